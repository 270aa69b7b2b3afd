"""The SQLite backend: the log with its projector, the decision and read queries, and
maintenance, all on one database file."""

import functools
import os
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from events import StoredEvent
from events import sqllog as log
from events.sqlite import SqliteEventStore, schema
from events.sqlite.errors import translate
from projections.decisions import SqlDecisions
from projections.ports import Decisions
from projections.projector import project
from projections.queries import ReadQueries
from projections.sqlite import rebuild as rebuilding
from projections.sqlite.schema import create_tables

F = TypeVar("F", bound=Callable[..., Any])


def _translated(fn: F) -> F:
    """sqlite3 errors leave as the store's neutral errors."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except sqlite3.Error as exc:
            raise translate(exc) from exc
    return wrapper  # type: ignore[return-value]


class SqliteBackend:
    def __init__(self, path: str, *, synchronous: str = "FULL", readers: int = 2) -> None:
        self.path = path
        self.description = f"SQLite {path}"
        self._synchronous = synchronous
        self.store: SqliteEventStore[Decisions] = SqliteEventStore(
            path, projectors=[project], setup=[create_tables], state=SqlDecisions,
            synchronous=synchronous, readers=readers)
        self.queries = ReadQueries(self.store.readers)

    async def open(self) -> "SqliteBackend":
        await self.store.open()
        return self

    async def close(self) -> None:
        await self.store.close()

    async def __aenter__(self) -> "SqliteBackend":
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def maintenance(self) -> "SqliteMaintenance":
        return SqliteMaintenance(self.path, self._synchronous)


class SqliteMaintenance:
    """Rebuild, verify, replay, the raw log and backups, on a connection of its own (it
    works beside a running server: rebuild takes the write lock for its transaction)."""

    @_translated
    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        self._conn = schema.connect(path, synchronous)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            schema.create_log(self._conn)
            create_tables(self._conn)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            self._conn.close()
            raise

    def __enter__(self) -> "SqliteMaintenance":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @_translated
    def rebuild(self) -> dict[str, Any]:
        return rebuilding.rebuild(self._conn)

    @_translated
    def verify(self) -> dict[str, Any]:
        return rebuilding.verify(self._conn)

    @_translated
    def replay(self, *, until_seq: int | None = None, until_time: str | None = None,
               org_id: str | None = None) -> dict[str, Any]:
        return rebuilding.replay(self._conn, until_seq=until_seq, until_time=until_time,
                                 org_id=org_id)

    @_translated
    def dump(self, org_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
        return rebuilding.dump(self._conn, org_id=org_id)

    @_translated
    def checksum(self) -> str:
        return rebuilding.checksum(self._conn)

    def events(self, *, after: int = 0, org_id: str | None = None) -> Iterator[StoredEvent]:
        try:
            yield from log.iter_events(self._conn, after=after, org_id=org_id)
        except sqlite3.Error as exc:
            raise translate(exc) from exc

    @_translated
    def organization_by_slug(self, slug: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT id, slug, name FROM organizations WHERE slug = ?",
                                 (slug,)).fetchone()
        return None if row is None else dict(zip(("id", "slug", "name"), row, strict=True))

    @_translated
    def backup(self, target: str) -> None:
        """A consistent copy of the whole database into the new file `target`, safe
        while a server writes (SQLite's online backup)."""
        if os.path.exists(target):
            raise FileExistsError(target)
        copy = sqlite3.connect(target)
        try:
            self._conn.backup(copy)
        finally:
            copy.close()
