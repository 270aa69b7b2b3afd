"""One unit's write transaction on an SQL log, on every backend.

Each append runs in a savepoint of its own, so it is whole or absent even when the unit
catches an error raised half-way. A refused INSERT is a concurrency conflict when the
stream is not at the expected version (the UNIQUE(stream_id, version) constraint or the
gap trigger fired); the database decides, and the stream's version tells which. What
differs between backends at this boundary (the driver's integrity error, the
translation of its errors) is the `Driver`.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from events import sqllog as log
from events.canonical import canonical_json, chain_hash_text
from events.envelope import Metadata, StoredEvent, hashed_text
from events.errors import ConcurrencyConflict
from events.ids import uuid7
from events.ports import Head, WriteTransaction
from events.types import Event

S = TypeVar("S")
Projector = Callable[[Any, StoredEvent], None]  # (the transaction's connection, the event)


@dataclass(frozen=True)
class Driver:
    """A backend's driver, as the transaction boundary needs it."""

    integrity_error: type[Exception]
    translate: Callable[[BaseException], BaseException]  # its errors -> the store's own


class SqlWriteTransaction(WriteTransaction[S], Generic[S]):
    def __init__(self, conn: Any, head: Head, projectors: Sequence[Projector],
                 clock: Callable[[], str], state: S, driver: Driver) -> None:
        self._driver = driver
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
            # back to the savepoint first: on PostgreSQL nothing else runs in a
            # transaction an error has aborted until then
            self._conn.execute("ROLLBACK TO append")
            self._conn.execute("RELEASE append")
            if isinstance(exc, _RefusedInsert):
                if self.stream_version(stream_id) != exc.version_before:
                    raise ConcurrencyConflict(stream_id, expected_version) from None
                exc = exc.error
            neutral = self._driver.translate(exc)
            if neutral is exc:
                raise exc
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
        meta_json = canonical_json(meta)
        for event in events:
            seq += 1
            version += 1
            recorded_at = max(self._clock(), last_time)
            event_id = uuid7()
            data = event.to_data()
            data_json = canonical_json(data)
            hash_ = chain_hash_text(prev_hash, hashed_text(
                seq, event_id, org_id, stream_id, version, event.type_name,
                event.schema_version, data_json, meta_json, recorded_at))
            try:
                self._conn.execute(log.INSERT_EVENT, (
                    seq, event_id, org_id, stream_id, version, event.type_name,
                    event.schema_version, data_json, meta_json, recorded_at, prev_hash, hash_,
                ))
            except self._driver.integrity_error as exc:
                raise _RefusedInsert(exc, version - 1) from exc
            record = StoredEvent(seq, event_id, org_id, stream_id, version, event.type_name,
                                 event.schema_version, data, meta, recorded_at, prev_hash,
                                 hash_, event)
            for project in self._projectors:
                project(self._conn, record)
            stored.append(record)
            prev_hash, last_time = hash_, recorded_at
        return stored


class _RefusedInsert(Exception):
    """The log refused an event; the stream's version, read once the savepoint is rolled
    back, tells a concurrency conflict from another refusal."""

    def __init__(self, error: Exception, version_before: int) -> None:
        self.error = error
        self.version_before = version_before
