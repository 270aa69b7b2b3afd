"""Answers cached until the database changes.

`ChangeWatcher` asks SQLite whether any connection has committed since a moment
(`PRAGMA data_version` on a connection of its own: a few microseconds, no I/O beyond
the shared WAL index), so a cached answer is reused only while the database is
exactly as it was when the answer was computed; a write by this server or by the CLI
in another process invalidates everything at once. Used for API-key lookups and for
read answers that cost several queries.
"""

import sqlite3
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from aiohttp import web

from service.lru import LRU


class ChangeWatcher:
    """The database's change counter. Read at most once per `window` seconds: a commit of
    this server's own writer marks it stale at once (`committed`, a commit listener), a
    commit from another process (the CLI) is seen within the window."""

    def __init__(self, path: str, window: float = 0.002) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._window = window
        self._version = -1
        self._read_at = float("-inf")

    def version(self) -> int:
        now = time.monotonic()
        if now - self._read_at > self._window:
            self._version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            self._read_at = now
        return self._version

    def committed(self, _events: object = None) -> None:
        self._read_at = float("-inf")

    def close(self) -> None:
        self._conn.close()


class ReadCache:
    """A bounded LRU of (database version, value) by key."""

    def __init__(self, watcher: ChangeWatcher, size: int = 4096) -> None:
        self.watcher = watcher
        self._entries: LRU[tuple[int, Any]] = LRU(size)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        version = self.watcher.version()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = await compute()
        self._entries.put(key, (version, value))
        return value


read_cache_key = web.AppKey("read_cache", ReadCache)
