"""The backends the suites run on, and what a test may do behind a backend's back.

A `Harness` opens the backend under test on a fresh database and offers the few raw
operations tests need that no port offers on purpose: tampering with the log, inserting
a row as an older version wrote it, ageing a record, counting rows. Suites take the
`backend` fixture (tests/conftest.py), parametrized over `HARNESSES`, so their bodies
never name a database driver; a new backend adds a harness here.
"""

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import psycopg

from events import sqllog as log
from events.canonical import canonical_json, chain_hash
from events.clock import utc_ago
from events.envelope import hashed_body
from events.postgres import PostgresEventStore
from events.postgres import schema as postgres_log_schema
from events.postgres.connection import PgConnection
from events.sqlite import SqliteEventStore
from events.sqlite import schema as sqlite_log_schema
from projections.decisions import SqlDecisions
from projections.postgres import PostgresBackend
from projections.postgres.schema import create_tables as pg_tables
from projections.projector import project
from projections.sqlite import SqliteBackend
from projections.sqlite.schema import create_tables
from tests.pgcluster import DATABASES


class RefusedByDatabase(Exception):
    """The database itself refused a statement as breaking one of its rules (what the
    log's triggers and constraints are for). Any other failure (a statement the database
    cannot run at all, say) is not a refusal and leaves as it is."""


class Harness:
    """What every backend's harness does the same way, through `_connect` (a connection
    with `?` placeholders) and `_refusals` (the driver's errors that mean the database
    refused a statement by one of its rules)."""

    name: str
    db: str  # what `--db` takes to open this database
    _refusals: tuple[type[BaseException], ...]

    def _connect(self) -> Any:
        """A connection of the test's own (`?` placeholders, autocommit)."""
        raise NotImplementedError

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        conn = self._connect()
        try:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def _named_rows(self, sql: str) -> list[dict[str, Any]]:
        conn = self._connect()
        try:
            cursor = conn.execute(sql)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def migrations(self) -> dict[str, list[int]]:
        """component -> the schema versions `schema_migrations` records as applied."""
        found: dict[str, list[int]] = {}
        for component, version in self._run("SELECT component, version FROM schema_migrations"
                                             " ORDER BY component, version"):
            found.setdefault(component, []).append(version)
        return found

    def record_migration(self, component: str, version: int) -> None:
        """Mark a schema version as applied (as a later program would have)."""
        self._run("INSERT INTO schema_migrations (component, version, name, applied_at)"
                  " VALUES (?, ?, 'from a later program', '2030-01-01T00:00:00.000000Z')",
                  (component, version))

    def maintenance(self) -> Any:
        """The backend's Maintenance (rebuild, verify, replay, dump, events), on a
        connection of its own; usable beside an open store."""
        return self.backend().maintenance()  # type: ignore[attr-defined]

    def _refused(self, sql: str, params: Sequence[Any] = ()) -> None:
        try:
            self._run(sql, params)
        except self._refusals as exc:  # a trigger's refusal or a constraint
            raise RefusedByDatabase(str(exc)) from exc

    def count_events(self) -> int:
        return self._run("SELECT COUNT(*) FROM events")[0][0]

    def count_rows(self, table: str) -> int:
        return self._run(f"SELECT COUNT(*) FROM {table}")[0][0]

    def stored_rows(self) -> list[tuple[int, str, str]]:
        """(seq, data as stored, hash) of every event."""
        return [tuple(row) for row in self._run("SELECT seq, data, hash FROM events"
                                                 " ORDER BY seq")]

    def stored_data(self, seq: int) -> tuple[dict[str, Any], int]:
        """An event's data and schema version exactly as stored (before any upcast)."""
        [(data, version)] = self._run("SELECT data, schema_version FROM events WHERE seq = ?",
                                      (seq,))
        return json.loads(data), version

    def try_to_change_the_log(self, how: str) -> None:
        """Edit or delete logged events as any client of the database could; raise
        RefusedByDatabase when the database refuses."""
        statements = {
            "update one": "UPDATE events SET data = '{}' WHERE seq = 1",
            "update all": "UPDATE events SET hash = 'x', prev_hash = 'y'",
            "delete one": "DELETE FROM events WHERE seq = 1",
            "delete all": "DELETE FROM events",
        }
        self._refused(statements[how])

    def insert_raw_event(self, *, seq: int, event_id: str, org_id: str | None, stream_id: str,
                         version: int, type_: str, schema_version: int, data: dict[str, Any],
                         recorded_at: str, prev_hash: str, hash_: str | None = None) -> str:
        """Write a row straight into the log (as an older version, or a forger, would);
        the hash is the correct one unless given. Returns the hash; RefusedByDatabase
        when the database refuses the row."""
        if hash_ is None:
            hash_ = chain_hash(prev_hash, hashed_body(seq, event_id, org_id, stream_id, version,
                                                      type_, schema_version, data, {},
                                                      recorded_at))
        self._refused(log.INSERT_EVENT, (seq, event_id, org_id, stream_id, version, type_,
                                         schema_version, canonical_json(data), "{}",
                                         recorded_at, prev_hash, hash_))
        return hash_

    def visible_events(self) -> dict[str, tuple[int, str]]:
        """event id -> (seq, hash) of every event another client of the database sees
        now, i.e. every committed one."""
        return {event_id: (seq, hash_) for event_id, seq, hash_
                in self._run("SELECT event_id, seq, hash FROM events")}

    def age_idempotency_record(self, key: str, hours: float) -> None:
        self._run("UPDATE idempotency_records SET created_at = ? WHERE key = ?",
                  (utc_ago(timedelta(hours=hours)), key))

    def outdate_resolved_values(self) -> None:
        """Every stored values body as if computed under another plan."""
        self._run("UPDATE resolved_records SET plan = 'v0:'")

    def synced_remote_ids(self) -> set[str]:
        return {r for (r,) in self._run("SELECT remote_id FROM synced_records")}

    def synced_records(self) -> list[dict[str, Any]]:
        """Every synced upstream row (kept beside the log, not a projection of it), all
        its columns, ordered by connector, category, model and remote id."""
        return self._named_rows("SELECT * FROM synced_records"
                                " ORDER BY connector_id, category, model, remote_id")


class SqliteHarness(Harness):
    name = "sqlite"
    log_schema = sqlite_log_schema
    _refusals = (sqlite3.IntegrityError,)

    def __init__(self, path: str) -> None:
        self.path = self.db = path

    # --- what the suites open ----------------------------------------------------------------

    def backend(self, synchronous: str = "NORMAL") -> SqliteBackend:
        return SqliteBackend(self.path, synchronous=synchronous)

    def store(self, extra_projectors: Sequence[Any] = (), projected: bool = True
              ) -> SqliteEventStore:
        """The bare event store, with the real projector (and more) or none at all."""
        projectors = ([project] if projected else []) + list(extra_projectors)
        return SqliteEventStore(self.path, projectors=projectors,
                                setup=[create_tables] if projected else [],
                                state=SqlDecisions, synchronous="NORMAL")

    # --- behind the backend's back --------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None)

    def has_index(self, name: str) -> bool:
        return bool(self._run("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                              (name,)))

    def tamper_event_data(self, seq: int, data: dict[str, Any]) -> None:
        """Rewrite an event's data, past the append-only trigger (what an attacker with
        the file could do); `verify` must notice."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            conn.execute("DROP TRIGGER events_refuse_update")
            conn.execute("UPDATE events SET data = ? WHERE seq = ?", (canonical_json(data), seq))
            conn.execute("COMMIT")
        finally:
            conn.close()

    def dump_text(self) -> str:
        """Everything in the database, as text (to search it for a secret)."""
        conn = self._connect()
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()

    def copy_to(self, path: str) -> "SqliteHarness":
        """A copy of the database, in another harness."""
        other = SqliteHarness(path)
        source, target = self._connect(), sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return other


class PostgresHarness(Harness):
    """A schema of its own on the test server (tests/pgcluster.py)."""

    name = "postgresql"
    log_schema = postgres_log_schema
    _refusals = (psycopg.IntegrityError,)  # restrict_violation is in class 23 too

    def __init__(self, url: str) -> None:
        self.url = self.db = url

    def backend(self, synchronous: str = "NORMAL") -> PostgresBackend:
        return PostgresBackend(self.url, readers=2)

    def store(self, extra_projectors: Sequence[Any] = (), projected: bool = True
              ) -> PostgresEventStore:
        projectors = ([project] if projected else []) + list(extra_projectors)
        return PostgresEventStore(self.url, projectors=projectors,
                                  setup=[pg_tables] if projected else [],
                                  state=SqlDecisions, readers=2)

    def _connect(self) -> PgConnection:
        return PgConnection.connect(self.url, prepare=False, application="tests")

    def has_index(self, name: str) -> bool:
        return bool(self._run("SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()"
                              " AND indexname = ?", (name,)))

    def tamper_event_data(self, seq: int, data: dict[str, Any]) -> None:
        """Rewrite an event's data past the append-only trigger (what the table's owner
        could do); `verify` must notice."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            conn.execute("ALTER TABLE events DISABLE TRIGGER events_refuse_update")
            conn.execute("UPDATE events SET data = ? WHERE seq = ?", (canonical_json(data), seq))
            conn.execute("ALTER TABLE events ENABLE TRIGGER events_refuse_update")
            conn.execute("COMMIT")
        finally:
            conn.close()

    def dump_text(self) -> str:
        """Every row of every table of the schema, as text (to search it for a secret)."""
        tables = [t for (t,) in self._run(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() ORDER BY table_name")]
        return "\n".join(f"{table}: {row!r}" for table in tables
                         for row in self._run(f"SELECT * FROM {table}"))


HARNESSES: dict[str, Callable[[str], Harness]] = {
    "sqlite": lambda directory: SqliteHarness(f"{directory}/harness.db"),
    "postgresql": lambda directory: PostgresHarness(DATABASES.fresh()),
}


def harness_for(db: str) -> Harness:
    """The harness of what `--db` names: a PostgreSQL URL or a SQLite file."""
    if db.startswith(("postgresql://", "postgres://")):
        return PostgresHarness(db)
    return SqliteHarness(db)
