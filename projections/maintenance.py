"""Maintenance on a connection of its own, the same on every SQL backend: rebuild,
verify, replay, dump, checksum, the raw log, export and restore. A backend's subclass
opens the connection (creating or migrating the schema), says where the live and
scratch tables are (`Place`) and which driver errors it translates."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from events import StoredEvent, migrations
from events import sqllog as log
from projections import export as exporting
from projections import rebuild as rebuilding
from projections.rebuild import Place


class SqlMaintenance:
    driver_error: type[Exception]
    translate: Callable[[BaseException], BaseException]

    def __init__(self, conn: Any, place: Place) -> None:
        self._conn, self._place = conn, place

    @contextmanager
    def _neutral_errors(self) -> Iterator[None]:
        try:
            yield
        except self.driver_error as exc:
            raise type(self).translate(exc) from exc

    def __enter__(self) -> "SqlMaintenance":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def rebuild(self) -> dict[str, Any]:
        with self._neutral_errors():
            return rebuilding.rebuild(self._conn, self._place)

    def verify(self) -> dict[str, Any]:
        with self._neutral_errors():
            return rebuilding.verify(self._conn, self._place)

    def replay(self, *, until_seq: int | None = None, until_time: str | None = None,
               org_id: str | None = None) -> dict[str, Any]:
        with self._neutral_errors():
            return rebuilding.replay(self._conn, self._place, until_seq=until_seq,
                                     until_time=until_time, org_id=org_id)

    def dump(self, org_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
        with self._neutral_errors():
            return rebuilding.dump(self._conn, self._place.live, org_id=org_id)

    def checksum(self) -> str:
        with self._neutral_errors():
            return rebuilding.checksum(self._conn, self._place.live)

    def events(self, *, after: int = 0, org_id: str | None = None) -> Iterator[StoredEvent]:
        with self._neutral_errors():
            yield from log.iter_events(self._conn, after=after, org_id=org_id)

    def organization_by_slug(self, slug: str) -> dict[str, Any] | None:
        with self._neutral_errors():
            row = self._conn.execute("SELECT id, slug, name FROM organizations WHERE slug = ?",
                                     (slug,)).fetchone()
        return None if row is None else dict(zip(("id", "slug", "name"), row, strict=True))

    def schema_versions(self) -> dict[str, list[int]]:
        with self._neutral_errors():
            return migrations.versions(self._conn)

    def export(self, target: str) -> dict[str, Any]:
        with self._neutral_errors():
            return exporting.export(self._conn, self._place.begin_read, target)

    def restore(self, source: str) -> dict[str, Any]:
        with self._neutral_errors():
            return exporting.restore(self._conn, self._place.begin_write, source)
