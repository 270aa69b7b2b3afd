"""EventStore: one writer thread that commits batches of commands, and reader connections.

A write is a *unit*: a synchronous function given a `WriteTransaction`. It reads what it
needs through `tx.conn`, appends events with an expected stream version, and every
registered projector applies each appended event inside the same transaction. Units
queued while a commit is in flight run together in the next transaction (group commit),
each inside its own SAVEPOINT so a failing unit is rolled back alone; every caller is
answered only after the COMMIT that holds its events.
"""

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import aiosqlite

from events import log
from events.canonical import canonical_json, chain_hash
from events.envelope import Metadata, StoredEvent, hashed_body
from events.errors import ConcurrencyConflict
from events.ids import uuid7
from events.types import Event

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Projector(Protocol):
    """Applies one stored event to projection tables on the given connection."""

    def __call__(self, conn: sqlite3.Connection, stored: StoredEvent) -> None: ...


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WriteTransaction:
    """The writer's view of one unit of work inside the open transaction."""

    def __init__(self, conn: sqlite3.Connection, head: tuple[int, str, str],
                 projectors: Sequence[Projector], clock: Callable[[], str]) -> None:
        self.conn = conn
        self.head = head
        self.appended: list[StoredEvent] = []
        self._projectors = projectors
        self._clock = clock

    def stream_version(self, stream_id: str) -> int:
        return log.stream_version(self.conn, stream_id)

    def append(self, stream_id: str, expected_version: int | None, events: Iterable[Event],
               *, org_id: str | None, metadata: Metadata | None = None) -> list[StoredEvent]:
        """Append events to a stream whose current version must be `expected_version`.

        `None` means "whatever it is now" (for streams with a single writer, such as an
        organization's own). A stale expected version raises ConcurrencyConflict, from
        the database's UNIQUE(stream_id, version) constraint.
        """
        if expected_version is None:
            expected_version = self.stream_version(stream_id)
        # A savepoint of its own: an append is whole or absent, even when the unit
        # catches an error raised half-way (a conflict, a projector refusing a row).
        self.conn.execute("SAVEPOINT append")
        try:
            stored = self._append(stream_id, expected_version, events, org_id,
                                  (metadata or Metadata()).as_dict())
        except BaseException:
            self.conn.execute("ROLLBACK TO append")
            self.conn.execute("RELEASE append")
            raise
        self.conn.execute("RELEASE append")
        self.head = (stored[-1].seq, stored[-1].hash, stored[-1].recorded_at) if stored \
            else self.head
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
                self.conn.execute(log.INSERT_EVENT, (
                    seq, event_id, org_id, stream_id, version, event.type_name,
                    event.schema_version, canonical_json(data), canonical_json(meta),
                    recorded_at, prev_hash, hash_,
                ))
            except sqlite3.IntegrityError as exc:
                if "events.stream_id" in str(exc) or "stream version gap" in str(exc):
                    raise ConcurrencyConflict(stream_id, expected_version) from exc
                raise
            record = StoredEvent(seq, event_id, org_id, stream_id, version, event.type_name,
                                 event.schema_version, data, meta, recorded_at, prev_hash,
                                 hash_, event)
            for project in self._projectors:
                project(self.conn, record)
            stored.append(record)
            prev_hash, last_time = hash_, recorded_at
        return stored


@dataclass
class _Pending(Generic[T]):
    unit: Callable[[WriteTransaction], T]
    future: asyncio.Future


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    value: Any
    events: list[StoredEvent]


class EventStore:
    """The log plus its inline projectors, opened on one SQLite file."""

    def __init__(self, path: str, *, projectors: Sequence[Projector] = (),
                 setup: Sequence[Callable[[sqlite3.Connection], None]] = (),
                 synchronous: str = "FULL", readers: int = 2, max_batch: int = 64,
                 clock: Callable[[], str] = utc_now) -> None:
        self.path = path
        self._projectors = tuple(projectors)
        self._setup = tuple(setup)
        self._synchronous = synchronous
        self._reader_count = readers
        self._max_batch = max_batch
        self._clock = clock
        self._executor: ThreadPoolExecutor | None = None
        self._writer: sqlite3.Connection | None = None
        self._queue: asyncio.Queue[_Pending[Any]] = asyncio.Queue()
        self._batcher: asyncio.Task[None] | None = None
        self._readers: list[aiosqlite.Connection] = []
        self._next_reader = 0
        self.commit_listeners: list[Callable[[list[StoredEvent]], None]] = []

    # --- life cycle -------------------------------------------------------------------

    async def open(self) -> "EventStore":
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-writer")
        self._writer = await self._in_writer(self._open_writer)
        self._batcher = asyncio.get_running_loop().create_task(self._run_batches())
        for _ in range(self._reader_count):
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            await reader.execute("PRAGMA busy_timeout=10000")
            await reader.execute("PRAGMA query_only=ON")
            self._readers.append(reader)
        return self

    async def close(self) -> None:
        if self._batcher is not None:
            self._batcher.cancel()
            await asyncio.gather(self._batcher, return_exceptions=True)
            self._batcher = None
        for reader in self._readers:
            await reader.close()
        self._readers.clear()
        if self._writer is not None:
            await self._in_writer(self._writer.close)
            self._writer = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def __aenter__(self) -> "EventStore":
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open_writer(self) -> sqlite3.Connection:
        conn = log.connect(self.path, self._synchronous)
        conn.execute("BEGIN IMMEDIATE")
        try:
            log.create_log(conn)
            for setup in self._setup:
                setup(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return conn

    def _in_writer(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        assert self._executor is not None, "store is not open"
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # --- writes -------------------------------------------------------------------------

    async def write(self, unit: Callable[[WriteTransaction], T]) -> T:
        """Run `unit` in a write transaction; return its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(unit, future))
        return await future

    async def _run_batches(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await self._in_writer(self._commit_batch, [p.unit for p in batch])
            except BaseException as exc:  # the COMMIT itself failed: nobody's write holds
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            committed: list[StoredEvent] = []
            for pending, outcome in zip(batch, outcomes):
                committed.extend(outcome.events)
                if pending.future.done():
                    continue
                if outcome.ok:
                    pending.future.set_result(outcome.value)
                else:
                    pending.future.set_exception(outcome.value)
            if committed:
                for listener in self.commit_listeners:
                    try:
                        listener(committed)
                    except Exception:  # a listener never stops the writer
                        logger.exception("commit listener %r failed", listener)

    def _commit_batch(self, units: list[Callable[[WriteTransaction], Any]]) -> list[_Outcome]:
        conn = self._writer
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")
        try:
            head = log.head(conn)
            outcomes = []
            for unit in units:
                tx = WriteTransaction(conn, head, self._projectors, self._clock)
                conn.execute("SAVEPOINT unit")
                try:
                    value = unit(tx)
                except Exception as exc:
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
                    outcomes.append(_Outcome(False, exc, []))
                else:
                    conn.execute("RELEASE unit")
                    head = tx.head
                    outcomes.append(_Outcome(True, value, tx.appended))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes

    # --- reads --------------------------------------------------------------------------

    @property
    def reader(self) -> aiosqlite.Connection:
        """A read-only connection (round robin); each statement sees committed data."""
        reader = self._readers[self._next_reader % len(self._readers)]
        self._next_reader += 1
        return reader

    async def read_events(self, **filters: Any) -> list[StoredEvent]:
        sql, params = log.select_events(**filters)
        rows = await self.reader.execute_fetchall(sql, params)
        return [log.decode(row) for row in rows]

    async def stream_events(self, stream_id: str) -> list[StoredEvent]:
        rows = await self.reader.execute_fetchall(
            f"SELECT {log.EVENT_COLUMNS} FROM events WHERE stream_id = ? ORDER BY version",
            (stream_id,))
        return [log.decode(row) for row in rows]
