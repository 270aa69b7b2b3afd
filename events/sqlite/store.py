"""SqliteEventStore: one writer thread that commits batches of units, and readers.

Writes go through `GroupCommit`: units queued while a commit is in flight run together
in the next `BEGIN IMMEDIATE` transaction, each inside its own SAVEPOINT so a failing
unit is rolled back alone, and every caller is answered after the COMMIT. Errors of
sqlite3 leave as the neutral errors of `events.errors`.
"""

import asyncio
import os
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from events.batching import GroupCommit, Outcome
from events.clock import utc_now
from events.envelope import StoredEvent
from events.ports import CommitListener, EventStore, Head
from events.sqlite import log, schema
from events.sqlite.errors import translate
from events.sqlite.readers import DataVersion, ReaderPool
from events.sqlite.transaction import Projector, SqliteWriteTransaction

S = TypeVar("S")
T = TypeVar("T")
Setup = Callable[[sqlite3.Connection], None]


def _no_state(conn: sqlite3.Connection) -> Any:
    return None


class SqliteEventStore(EventStore[S], Generic[S]):
    """The log plus its inline projectors, on one SQLite file.

    `setup` functions create the tables beside the log (in the transaction that creates
    it); `state` makes the decision queries units see as `tx.state`, on the writer's
    connection."""

    def __init__(self, path: str, *, projectors: Sequence[Projector] = (),
                 setup: Sequence[Setup] = (), state: Callable[[sqlite3.Connection], S] = _no_state,
                 synchronous: str = "FULL", readers: int = 2, max_batch: int = 64,
                 clock: Callable[[], str] = utc_now) -> None:
        self.path = path
        self._projectors = tuple(projectors)
        self._setup = tuple(setup)
        self._make_state = state
        self._synchronous = synchronous
        self._clock = clock
        self.commit_listeners: list[CommitListener] = []
        self.readers = ReaderPool(path, readers)
        self._committer = GroupCommit(self._in_writer_batch, self.commit_listeners, max_batch)
        self._executor: ThreadPoolExecutor | None = None
        self._writer: sqlite3.Connection | None = None
        self._state: S | None = None
        self._changes: DataVersion | None = None

    # --- life cycle -------------------------------------------------------------------

    async def open(self) -> "SqliteEventStore[S]":
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-writer")
        try:
            self._writer = await self._in_writer(self._open_writer)
        except sqlite3.Error as exc:
            self._executor.shutdown(wait=True)
            self._executor = None
            raise translate(exc) from exc
        self._state = self._make_state(self._writer)
        self._committer.start()
        await self.readers.open()
        self._changes = DataVersion(self.path)
        self.commit_listeners.append(self._changes.committed)
        return self

    async def close(self) -> None:
        await self._committer.stop()
        await self.readers.close()
        if self._changes is not None:
            self.commit_listeners.remove(self._changes.committed)
            self._changes.close()
            self._changes = None
        if self._writer is not None:
            await self._in_writer(self._writer.close)
            self._writer = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _open_writer(self) -> sqlite3.Connection:
        conn = schema.connect(self.path, self._synchronous)
        conn.execute("BEGIN IMMEDIATE")
        try:
            schema.create_log(conn)
            for setup in self._setup:
                setup(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        return conn

    def _in_writer(self, fn: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        assert self._executor is not None, "store is not open"
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # --- writes -------------------------------------------------------------------------

    async def write(self, unit: Callable[..., T]) -> T:
        return await self._committer.submit(unit)

    def _in_writer_batch(self, units: list[Callable[..., Any]]) -> "asyncio.Future[list[Outcome]]":
        return self._in_writer(self._commit_batch, units)

    def _commit_batch(self, units: list[Callable[..., Any]]) -> list[Outcome]:
        conn = self._writer
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = log.head(conn)
                outcomes = []
                for unit in units:
                    tx = SqliteWriteTransaction(conn, current, self._projectors, self._clock,
                                                self._state)
                    conn.execute("SAVEPOINT unit")
                    try:
                        value = unit(tx)
                    except Exception as exc:
                        conn.execute("ROLLBACK TO unit")
                        conn.execute("RELEASE unit")
                        outcomes.append(Outcome(False, translate(exc), []))
                    else:
                        conn.execute("RELEASE unit")
                        current = tx.head
                        outcomes.append(Outcome(True, value, tx.appended))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise translate(exc) from exc
        return outcomes

    # --- reads --------------------------------------------------------------------------

    async def read_events(self, **filters: Any) -> list[StoredEvent]:
        sql, params = log.select_events(**filters)
        return [log.decode(row) for row in await self.readers.rows(sql, params)]

    async def stream_events(self, stream_id: str) -> list[StoredEvent]:
        return [log.decode(row) for row in await self.readers.rows(log.STREAM_EVENTS,
                                                                   (stream_id,))]

    async def head(self) -> Head:
        rows = await self.readers.rows(log.HEAD)
        return Head(*rows[0]) if rows else log.EMPTY_HEAD

    def change_marker(self) -> int:
        assert self._changes is not None, "store is not open"
        return self._changes.current()

    async def ping(self) -> None:
        await self.readers.rows("SELECT 1")
