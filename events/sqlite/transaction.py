"""One unit's write transaction on the SQLite log.

Each append runs in a savepoint of its own, so it is whole or absent even when the unit
catches an error raised half-way. A refused INSERT is a concurrency conflict when the
stream is not at the expected version (the UNIQUE(stream_id, version) constraint or the
gap trigger fired); the database decides, and the stream's version tells which.
"""

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from events.canonical import canonical_json, chain_hash
from events.envelope import Metadata, StoredEvent, hashed_body
from events.errors import ConcurrencyConflict
from events.ids import uuid7
from events.ports import Head, WriteTransaction
from events.sqlite import log
from events.sqlite.errors import translate
from events.types import Event

S = TypeVar("S")
Projector = Callable[[sqlite3.Connection, StoredEvent], None]


class SqliteWriteTransaction(WriteTransaction[S], Generic[S]):
    def __init__(self, conn: sqlite3.Connection, head: Head, projectors: Sequence[Projector],
                 clock: Callable[[], str], state: S) -> None:
        self._conn = conn
        self.head = head
        self.state = state
        self.appended: list[StoredEvent] = []
        self._projectors = projectors
        self._clock = clock

    def stream_version(self, stream_id: str) -> int:
        return log.stream_version(self._conn, stream_id)

    def append(self, stream_id: str, expected_version: int | None, events: Iterable[Event],
               *, org_id: str | None, metadata: Metadata | None = None) -> list[StoredEvent]:
        if expected_version is None:
            expected_version = self.stream_version(stream_id)
        self._conn.execute("SAVEPOINT append")
        try:
            stored = self._append(stream_id, expected_version, events, org_id,
                                  (metadata or Metadata()).as_dict())
        except BaseException as exc:
            self._conn.execute("ROLLBACK TO append")
            self._conn.execute("RELEASE append")
            neutral = translate(exc)
            if neutral is exc:
                raise
            raise neutral from exc
        self._conn.execute("RELEASE append")
        if stored:
            last = stored[-1]
            self.head = Head(last.seq, last.hash, last.recorded_at)
        self.appended.extend(stored)
        return stored

    def _append(self, stream_id: str, expected_version: int, events: Iterable[Event],
                org_id: str | None, meta: dict[str, Any]) -> list[StoredEvent]:
        stored: list[StoredEvent] = []
        seq, prev_hash, last_time = self.head
        version = expected_version
        for event in events:
            seq += 1
            version += 1
            recorded_at = max(self._clock(), last_time)
            event_id = uuid7()
            data = event.to_data()
            body = hashed_body(seq, event_id, org_id, stream_id, version, event.type_name,
                               event.schema_version, data, meta, recorded_at)
            hash_ = chain_hash(prev_hash, body)
            try:
                self._conn.execute(log.INSERT_EVENT, (
                    seq, event_id, org_id, stream_id, version, event.type_name,
                    event.schema_version, canonical_json(data), canonical_json(meta),
                    recorded_at, prev_hash, hash_,
                ))
            except sqlite3.IntegrityError:
                if self.stream_version(stream_id) != version - 1:
                    raise ConcurrencyConflict(stream_id, expected_version) from None
                raise
            record = StoredEvent(seq, event_id, org_id, stream_id, version, event.type_name,
                                 event.schema_version, data, meta, recorded_at, prev_hash,
                                 hash_, event)
            for project in self._projectors:
                project(self._conn, record)
            stored.append(record)
            prev_hash, last_time = hash_, recorded_at
        return stored
