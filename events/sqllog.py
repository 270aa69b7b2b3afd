"""Reading the log with SQL, on every backend: rows back as events, filtered selects,
the head, the chain.

Synchronous, on a DB-API connection with `?` placeholders (`sqlite3` as it is, the
PostgreSQL adapter of `events.postgres`), so the writer thread, the readers (with the
same SQL), the rebuild and the CLI share it. The one difference between backends, how a
field id is found in an event's data, is `field_clause`.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from events.canonical import GENESIS_HASH, chain_hash_text, loads
from events.envelope import Replayed, StoredEvent, hashed_text
from events.ports import Head
from events.types import event_class, from_data
from events.upcasting import upcast

EVENT_COLUMNS = (
    "seq, event_id, org_id, stream_id, version, type, schema_version, data, metadata, "
    "recorded_at, prev_hash, hash"
)
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
HEAD = "SELECT seq, hash, recorded_at FROM events ORDER BY seq DESC LIMIT 1"
STREAM_VERSION = "SELECT MAX(version) FROM events WHERE stream_id = ?"
STREAM_EVENTS = f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ? ORDER BY version"
REPLAY_COLUMNS = "version, type, schema_version, data, recorded_at"
EMPTY_HEAD = Head(0, GENESIS_HASH, "")
SQLITE_FIELD = "json_extract(data, '$.field_id') = ?"


class Executor(Protocol):
    def execute(self, sql: str, params: Any = ...) -> Any: ...


def head(conn: Executor) -> Head:
    row = conn.execute(HEAD).fetchone()
    return Head(*row) if row else EMPTY_HEAD


def stream_version(conn: Executor, stream_id: str) -> int:
    return conn.execute(STREAM_VERSION, (stream_id,)).fetchone()[0] or 0


def decode(row: Any) -> StoredEvent:
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
                  descending: bool = False, columns: str = EVENT_COLUMNS,
                  field_clause: str = SQLITE_FIELD) -> tuple[str, list[Any]]:
    """SQL and parameters for events in seq order (or reverse), filtered."""
    clauses, params = ["seq > ?"], list[Any]([after])
    for clause, value in (("seq <= ?", until_seq), ("seq < ?", before),
                          ("recorded_at <= ?", until_time), ("recorded_at >= ?", since_time),
                          ("org_id = ?", org_id), ("stream_id = ?", stream_id),
                          (field_clause, field_id)):
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


def iter_replayed(conn: Executor, **filters: Any) -> Iterator[Replayed]:
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


def iter_events(conn: Executor, **filters: Any) -> Iterator[StoredEvent]:
    sql, params = select_events(**filters)
    for row in conn.execute(sql, params):
        yield decode(row)


def verify_chain(conn: Executor) -> dict[str, Any]:
    """Recompute every hash in seq order; report the first event that does not match."""
    return check_chain(conn.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"))


def check_chain(rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """The chain check over log rows (in `EVENT_COLUMNS` order), from the genesis on."""
    previous = GENESIS_HASH
    expected_seq = 1
    count = 0
    for row in rows:
        (seq, event_id, org_id, stream_id, version, type_, schema_version, data_json,
         metadata_json, recorded_at, prev_hash, hash_) = row
        body = hashed_text(seq, event_id, org_id, stream_id, version, type_, schema_version,
                           data_json, metadata_json, recorded_at)
        if seq != expected_seq or prev_hash != previous \
                or chain_hash_text(previous, body) != hash_:
            return {"ok": False, "events": count, "first_bad_seq": seq}
        previous = hash_
        expected_seq += 1
        count += 1
    return {"ok": True, "events": count, "head": previous}
