"""Answers cached until the database changes.

`ChangeWatcher` asks SQLite whether any connection has committed since a moment
(`PRAGMA data_version` on a connection of its own: a few microseconds, no I/O beyond
the shared WAL index), so a cached answer is reused only while the database is
exactly as it was when the answer was computed; a write by this server or by the CLI
in another process invalidates everything at once. Used for API-key lookups and for
read answers that cost several queries.
"""

import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from aiohttp import web


class ChangeWatcher:
    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        self._conn.close()


class ReadCache:
    """A bounded LRU of (database version, value) by key."""

    def __init__(self, watcher: ChangeWatcher, size: int = 4096) -> None:
        self.watcher = watcher
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.hits = self.misses = 0

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        version = self.watcher.version()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]
        self.misses += 1
        value = await compute()
        self._entries[key] = (version, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


read_cache_key = web.AppKey("read_cache", ReadCache)
