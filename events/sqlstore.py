"""The event store on an SQL database: one writer thread that commits batches of units,
and readers. Backends (`events.sqlite`, `events.postgres`) fill in the connections.

Writes go through `GroupCommit`: units queued while a commit is in flight run together
in the next write transaction (`_begin`: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's
`BEGIN` and the log's exclusive lock), each inside its own SAVEPOINT so a failing unit
is rolled back alone, and every caller is answered after the COMMIT. The writer's
connection is synchronous and lives on its own thread, so units (synchronous functions)
run on it directly. Driver errors leave as the neutral errors of `events.errors`.
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from events import sqllog as log
from events.batching import GroupCommit, Outcome
from events.clock import utc_now
from events.envelope import StoredEvent
from events.ports import CommitListener, EventStore, Head
from events.sqltransaction import Driver, Projector, SqlWriteTransaction

S = TypeVar("S")
T = TypeVar("T")
Setup = Callable[[Any], None]  # creates tables beside the log, on the writer's connection


def _no_state(conn: Any) -> Any:
    return None


class SqlEventStore(EventStore[S], Generic[S]):
    """The log plus its inline projectors. `state` makes the decision queries units see
    as `tx.state`, on the writer's connection; `setup` functions create the tables
    beside the log, in the transaction that creates it."""

    driver: Driver
    field_clause: str = log.SQLITE_FIELD

    def __init__(self, *, projectors: Sequence[Projector] = (), setup: Sequence[Setup] = (),
                 state: Callable[[Any], S] = _no_state, max_batch: int = 64,
                 clock: Callable[[], str] = utc_now) -> None:
        self._projectors = tuple(projectors)
        self._setup = tuple(setup)
        self._make_state = state
        self._clock = clock
        self.commit_listeners: list[CommitListener] = []
        self._committer = GroupCommit(self._in_writer_batch, self.commit_listeners, max_batch)
        self._executor: ThreadPoolExecutor | None = None
        self._writer: Any = None
        self._state: S | None = None

    # --- what a backend provides ----------------------------------------------------------

    def _connect_writer(self) -> Any:
        """The writer's connection, its tables created (runs on the writer's thread)."""
        raise NotImplementedError

    def _begin(self, conn: Any) -> Any:
        """Open the write transaction; return the writer's connection to use (a backend
        may replace a broken one here)."""
        raise NotImplementedError

    def _before_commit(self, conn: Any, head: Head, previous: Head) -> None:
        """Last statements of a batch's transaction (PostgreSQL announces the new head)."""

    async def _open_readers(self) -> None:
        raise NotImplementedError

    async def _close_readers(self) -> None:
        raise NotImplementedError

    # --- life cycle -------------------------------------------------------------------

    async def open(self) -> "SqlEventStore[S]":
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-writer")
        try:
            self._writer = await self._in_writer(self._connect_writer)
        except BaseException as exc:
            self._executor.shutdown(wait=True)
            self._executor = None
            neutral = self.driver.translate(exc)
            if neutral is exc:
                raise
            raise neutral from exc
        self._state = self._make_state(self._writer)
        self._committer.start()
        await self._open_readers()
        return self

    async def close(self) -> None:
        await self._committer.stop()
        await self._close_readers()
        if self._writer is not None:
            await self._in_writer(self._close_writer)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _close_writer(self) -> None:
        try:
            self._writer.close()
        finally:
            self._writer = None

    def _in_writer(self, fn: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        assert self._executor is not None, "store is not open"
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # --- writes -------------------------------------------------------------------------

    async def write(self, unit: Callable[..., T]) -> T:
        return await self._committer.submit(unit)

    def _in_writer_batch(self, units: list[Callable[..., Any]]) -> "asyncio.Future[list[Outcome]]":
        return self._in_writer(self._commit_batch, units)

    def _commit_batch(self, units: list[Callable[..., Any]]) -> list[Outcome]:
        try:
            conn = self._writer = self._begin(self._writer)
            try:
                previous = current = log.head(conn)
                outcomes = []
                for unit in units:
                    tx = SqlWriteTransaction(conn, current, self._projectors, self._clock,
                                             self._state, self.driver)
                    conn.execute("SAVEPOINT unit")
                    try:
                        value = unit(tx)
                    except Exception as exc:
                        conn.execute("ROLLBACK TO unit")
                        conn.execute("RELEASE unit")
                        outcomes.append(Outcome(False, self.driver.translate(exc), []))
                    else:
                        conn.execute("RELEASE unit")
                        current = tx.head
                        outcomes.append(Outcome(True, value, tx.appended))
                self._before_commit(conn, current, previous)
                conn.execute("COMMIT")
            except BaseException:
                self._rollback(conn)
                raise
        except Exception as exc:
            neutral = self.driver.translate(exc)
            if neutral is exc:
                raise
            raise neutral from exc
        return outcomes

    def _rollback(self, conn: Any) -> None:
        try:
            conn.execute("ROLLBACK")
        except Exception:  # no transaction open, or the connection is gone
            pass

    # --- reads --------------------------------------------------------------------------

    readers: Any  # the backend's pool: `rows(sql, params)` and `dicts(sql, params)`

    async def read_events(self, **filters: Any) -> list[StoredEvent]:
        sql, params = log.select_events(field_clause=self.field_clause, **filters)
        return [log.decode(row) for row in await self.readers.rows(sql, params)]

    async def stream_events(self, stream_id: str) -> list[StoredEvent]:
        return [log.decode(row) for row in await self.readers.rows(log.STREAM_EVENTS,
                                                                   (stream_id,))]

    async def head(self) -> Head:
        rows = await self.readers.rows(log.HEAD)
        return Head(*rows[0]) if rows else log.EMPTY_HEAD

    async def ping(self) -> None:
        await self.readers.rows("SELECT 1")
