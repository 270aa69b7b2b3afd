"""The backends the suites run on, and what a test may do behind a backend's back.

A `Harness` opens the backend under test on a fresh database and offers the few raw
operations tests need that no port offers on purpose: tampering with the log, inserting
a row as an older version wrote it, ageing a record, counting rows. Suites take the
`backend` fixture (tests/conftest.py), parametrized over `HARNESSES`, so their bodies
never name a database driver; a new backend adds a harness here.
"""

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from events import sqllog as log
from events.canonical import canonical_json, chain_hash
from events.envelope import hashed_body
from events.sqlite import SqliteEventStore
from projections.decisions import SqlDecisions
from projections.projector import project
from projections.sqlite import SqliteBackend
from projections.sqlite.backend import SqliteMaintenance
from projections.sqlite.schema import create_tables


class RefusedByDatabase(Exception):
    """The database itself refused a statement as breaking one of its rules (what the
    log's triggers and constraints are for). Any other failure (a statement the database
    cannot run at all, say) is not a refusal and leaves as it is."""


class SqliteHarness:
    name = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path

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

    def maintenance(self) -> SqliteMaintenance:
        """The backend's Maintenance (rebuild, verify, replay, dump, events), on a
        connection of its own; usable beside an open store."""
        return self.backend().maintenance()

    # --- behind the backend's back --------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None)

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def count_events(self) -> int:
        return self._run("SELECT COUNT(*) FROM events")[0][0]

    def count_rows(self, table: str) -> int:
        return self._run(f"SELECT COUNT(*) FROM {table}")[0][0]

    def stored_rows(self) -> list[tuple[int, str, str]]:
        """(seq, data as stored, hash) of every event."""
        return self._run("SELECT seq, data, hash FROM events ORDER BY seq")

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
        try:
            self._run(statements[how])
        except sqlite3.IntegrityError as exc:  # a trigger's RAISE(ABORT) or a constraint
            raise RefusedByDatabase(str(exc)) from exc

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
        try:
            self._run(log.INSERT_EVENT, (seq, event_id, org_id, stream_id, version, type_,
                                         schema_version, canonical_json(data), "{}",
                                         recorded_at, prev_hash, hash_))
        except sqlite3.IntegrityError as exc:  # a trigger's RAISE(ABORT) or a constraint
            raise RefusedByDatabase(str(exc)) from exc
        return hash_

    def visible_events(self) -> dict[str, tuple[int, str]]:
        """event id -> (seq, hash) of every event another client of the database sees
        now, i.e. every committed one."""
        return {event_id: (seq, hash_) for event_id, seq, hash_
                in self._run("SELECT event_id, seq, hash FROM events")}

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

    def age_idempotency_record(self, key: str, hours: float) -> None:
        self._run("UPDATE idempotency_records SET created_at = strftime("
                  "'%Y-%m-%dT%H:%M:%fZ', 'now', ?) WHERE key = ?", (f"-{hours} hours", key))

    def synced_remote_ids(self) -> set[str]:
        return {r for (r,) in self._run("SELECT remote_id FROM synced_records")}

    def synced_records(self) -> list[dict[str, Any]]:
        """Every synced upstream row (kept beside the log, not a projection of it), all
        its columns, ordered by connector, category, model and remote id."""
        conn = self._connect()
        try:
            cursor = conn.execute("SELECT * FROM synced_records"
                                  " ORDER BY connector_id, category, model, remote_id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor]
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


HARNESSES = {"sqlite": lambda directory: SqliteHarness(f"{directory}/harness.db")}
