"""Knowing when any replica has committed: the change marker of the PostgreSQL store.

Every write transaction ends with `NOTIFY custom_fields_head, '<seq>'` (delivered at
COMMIT, to every listening connection). `HeadWatcher` listens on a connection of its
own and moves the marker on each notification; a commit of this process moves it at
once (a commit listener). Every `check_every` seconds without a notification, and after
each reconnection, it also reads the head itself: the fallback when a notification was
missed. While it is not listening (the connection dropped, or `listen=False` for a
transaction-mode pooler, where LISTEN cannot work), the marker is the head polled every
`poll_every` seconds, and read caches are bypassed until the first poll answers.
"""

import asyncio
import contextlib
import itertools
import logging
from typing import Any

import psycopg

from events.postgres.connection import connect_options
from events.postgres.schema import CHANNEL

log = logging.getLogger("custom_fields.events")
HEAD_SEQ = "SELECT seq FROM events ORDER BY seq DESC LIMIT 1"


class HeadWatcher:
    def __init__(self, url: str, *, listen: bool = True, prepare: bool = True,
                 check_every: float = 1.0, poll_every: float = 0.05) -> None:
        self._url = url
        self._listen = listen
        self._prepare = prepare
        self._check_every = check_every
        self._poll_every = poll_every
        self._fresh = itertools.count(1)
        self._marker: Any = ("bypass", 0)
        self._current = False  # the marker reflects the database as of the last check
        self._head = -1
        self._task: asyncio.Task[None] | None = None

    def current(self) -> Any:
        """The marker; a value never seen before while the watcher cannot vouch for it."""
        if not self._current:
            return ("bypass", next(self._fresh))
        return self._marker

    def committed(self, _events: object = None) -> None:
        self._moved()

    def _moved(self) -> None:
        self._marker = ("head", next(self._fresh))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(),
                                                            name="custom-fields head watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url, **connect_options(self._prepare, "custom-fields watcher"))
                async with conn:
                    if self._listen:
                        await conn.execute(f"LISTEN {CHANNEL}")
                    await self._check(conn)
                    while True:
                        if self._listen:
                            async for _ in conn.notifies(timeout=self._check_every):
                                self._moved()
                        else:
                            await asyncio.sleep(self._poll_every)
                        await self._check(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server went away: poll for it to come back
                if self._current:
                    log.warning("change notifications lost (%s); read caches bypassed until "
                                "the database answers again", exc)
                self._current = False
                await asyncio.sleep(self._poll_every * 4)

    async def _check(self, conn: psycopg.AsyncConnection[Any]) -> None:
        cursor = await conn.execute(HEAD_SEQ)
        row = await cursor.fetchone()
        head = row[0] if row else 0
        if head != self._head or not self._current:
            self._head = head
            self._moved()
        self._current = True
