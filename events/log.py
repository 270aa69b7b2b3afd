"""The SQLite log itself: its DDL, connection settings, and reading rows back as events.

Everything here is synchronous and takes a `sqlite3.Connection`, so the writer thread,
the rebuild and the CLI share it. The database enforces the log's promises itself:
`UNIQUE(stream_id, version)` catches stale writers, triggers refuse UPDATE and DELETE,
refuse gaps in a stream's versions and refuse a row that does not extend the hash chain.
"""

import json
import sqlite3
from collections.abc import Iterator
from typing import Any, NamedTuple

from events.canonical import GENESIS_HASH, chain_hash, loads
from events.envelope import StoredEvent, hashed_body
from events.types import Event, event_class, from_data
from events.upcasting import upcast

LOG_DDL = """
CREATE TABLE IF NOT EXISTS events (
    seq            INTEGER PRIMARY KEY,
    event_id       TEXT    NOT NULL UNIQUE,
    org_id         TEXT,
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE INDEX IF NOT EXISTS events_by_org ON events (org_id, seq);
CREATE INDEX IF NOT EXISTS events_by_time ON events (recorded_at);
CREATE INDEX IF NOT EXISTS events_by_field ON events (json_extract(data, '$.field_id'), seq);
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_gap BEFORE INSERT ON events
WHEN NEW.version > 1 AND NOT EXISTS (
    SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version - 1)
BEGIN SELECT RAISE(ABORT, 'stream version gap'); END;
CREATE TRIGGER IF NOT EXISTS events_extend_chain BEFORE INSERT ON events
WHEN NEW.prev_hash IS NOT COALESCE(
        (SELECT hash FROM events ORDER BY seq DESC LIMIT 1), '""" + GENESIS_HASH + """')
  OR NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM events), 0) + 1
BEGIN SELECT RAISE(ABORT, 'event does not extend the hash chain'); END;
"""

EVENT_COLUMNS = (
    "seq, event_id, org_id, stream_id, version, type, schema_version, data, metadata, "
    "recorded_at, prev_hash, hash"
)

INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"


def connect(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL journal."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    configure(conn, synchronous)
    return conn


def configure(conn: sqlite3.Connection, synchronous: str = "FULL") -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA temp_store=MEMORY")


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements without the implicit COMMIT of `executescript`."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


def create_log(conn: sqlite3.Connection) -> None:
    execute_script(conn, LOG_DDL)


def head(conn: sqlite3.Connection) -> tuple[int, str, str]:
    """(last seq, last hash, last recorded time) of the log."""
    row = conn.execute(
        "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1], row[2]) if row else (0, GENESIS_HASH, "")


def stream_version(conn: sqlite3.Connection, stream_id: str) -> int:
    row = conn.execute(
        "SELECT MAX(version) FROM events WHERE stream_id = ?", (stream_id,)
    ).fetchone()
    return row[0] or 0


def decode(row: tuple[Any, ...] | sqlite3.Row) -> StoredEvent:
    """A log row as a StoredEvent; `event` is upcast to its type's current version."""
    (seq, event_id, org_id, stream_id, version, type_, schema_version, data_json,
     metadata_json, recorded_at, prev_hash, hash_) = tuple(row)
    data = loads(data_json)
    current = event_class(type_).schema_version
    event = from_data(type_, upcast(type_, schema_version, current, data))
    return StoredEvent(
        seq=seq, event_id=event_id, org_id=org_id, stream_id=stream_id, version=version,
        type=type_, schema_version=schema_version, data=data,
        metadata=loads(metadata_json), recorded_at=recorded_at,
        prev_hash=prev_hash, hash=hash_, event=event,
    )


def select_events(after: int = 0, until_seq: int | None = None,
                  until_time: str | None = None, org_id: str | None = None,
                  limit: int | None = None, *, before: int | None = None,
                  since_time: str | None = None, stream_id: str | None = None,
                  field_id: str | None = None, types: list[str] | None = None,
                  descending: bool = False, columns: str = EVENT_COLUMNS
                  ) -> tuple[str, list[Any]]:
    """SQL and parameters for events in seq order (or reverse), filtered."""
    clauses, params = ["seq > ?"], [after]
    for clause, value in (("seq <= ?", until_seq), ("seq < ?", before),
                          ("recorded_at <= ?", until_time), ("recorded_at >= ?", since_time),
                          ("org_id = ?", org_id), ("stream_id = ?", stream_id),
                          ("json_extract(data, '$.field_id') = ?", field_id)):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if types:
        clauses.append(f"type IN ({','.join('?' * len(types))})")
        params.extend(types)
    sql = (f"SELECT {columns} FROM events WHERE {' AND '.join(clauses)}"
           f" ORDER BY seq {'DESC' if descending else 'ASC'}")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params


class Replayed(NamedTuple):
    """What a projector needs of an event: its stream version, time and typed event."""

    version: int
    recorded_at: str
    event: Event


REPLAY_COLUMNS = "version, type, schema_version, data, recorded_at"


def iter_replayed(conn: sqlite3.Connection, **filters: Any) -> Iterator[Replayed]:
    """Events for projection only: no metadata, hashes or ids decoded (rebuild speed)."""
    sql, params = select_events(columns=REPLAY_COLUMNS, **filters)
    current: dict[str, int] = {}
    for version, type_, schema_version, data_json, recorded_at in conn.execute(sql, params):
        data = loads(data_json)
        target = current.get(type_)
        if target is None:
            target = current[type_] = event_class(type_).schema_version
        if schema_version != target:
            data = upcast(type_, schema_version, target, data)
        yield Replayed(version, recorded_at, from_data(type_, data))


def iter_events(conn: sqlite3.Connection, **filters: Any) -> Iterator[StoredEvent]:
    sql, params = select_events(**filters)
    for row in conn.execute(sql, params):
        yield decode(row)


def verify_chain(conn: sqlite3.Connection) -> dict[str, Any]:
    """Recompute every hash in seq order; report the first event that does not match."""
    previous = GENESIS_HASH
    expected_seq = 1
    count = 0
    sql = f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"
    for row in conn.execute(sql):
        (seq, event_id, org_id, stream_id, version, type_, schema_version, data_json,
         metadata_json, recorded_at, prev_hash, hash_) = row
        body = hashed_body(seq, event_id, org_id, stream_id, version, type_, schema_version,
                           json.loads(data_json), json.loads(metadata_json), recorded_at)
        if seq != expected_seq or prev_hash != previous or chain_hash(previous, body) != hash_:
            return {"ok": False, "events": count, "first_bad_seq": seq}
        previous = hash_
        expected_seq += 1
        count += 1
    return {"ok": True, "events": count, "head": previous}
