"""Group commit: units queued while a commit is in flight share the next transaction.

Backend-neutral. The backend supplies `commit_batch`, which runs a list of units in one
transaction (each in a savepoint of its own, so a failing unit is rolled back alone)
and returns one `Outcome` per unit; every caller is answered only after the COMMIT that
holds its events, then the commit listeners see the committed events.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from events.envelope import StoredEvent
from events.ports import CommitListener

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    value: Any  # the unit's result, or the exception it raised
    events: list[StoredEvent]


@dataclass(slots=True)
class _Pending:
    unit: Callable[..., Any]
    future: asyncio.Future


CommitBatch = Callable[[list[Callable[..., Any]]], Awaitable[Sequence[Outcome]]]


class GroupCommit:
    def __init__(self, commit_batch: CommitBatch, listeners: list[CommitListener],
                 max_batch: int = 64) -> None:
        self._commit_batch = commit_batch
        self._listeners = listeners
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def submit(self, unit: Callable[..., Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(unit, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await self._commit_batch([p.unit for p in batch])
            except BaseException as exc:  # the COMMIT itself failed: nobody's write holds
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            committed: list[StoredEvent] = []
            for pending, outcome in zip(batch, outcomes, strict=True):
                committed.extend(outcome.events)
                if pending.future.done():
                    continue
                if outcome.ok:
                    pending.future.set_result(outcome.value)
                else:
                    pending.future.set_exception(outcome.value)
            if committed:
                self._notify(committed)

    def _notify(self, committed: list[StoredEvent]) -> None:
        for listener in self._listeners:
            try:
                listener(committed)
            except Exception:  # a listener never stops the writer
                logger.exception("commit listener %r failed", listener)
