"""Reading the SQLite database from the event loop: a pool of aiosqlite connections, and
the database's change counter.

Each reader is a read-only connection of its own (WAL: readers never wait for the
writer); statements go round robin, and each sees the data committed when it starts.
A query is one round trip to the reader's thread (rows come back as `sqlite3.Row`,
which carry their column names). Errors leave as the store's neutral errors.
"""

import sqlite3
import time
from typing import Any, cast

import aiosqlite

from events.sqlite.errors import translate

Row = dict[str, Any]


class ReaderPool:
    def __init__(self, path: str, size: int = 2) -> None:
        self.path = path
        self._size = max(1, size)
        self._readers: list[aiosqlite.Connection] = []
        self._next = 0

    async def open(self) -> None:
        for _ in range(self._size):
            reader = await aiosqlite.connect(self.path, isolation_level=None)
            reader.row_factory = sqlite3.Row
            await reader.execute("PRAGMA busy_timeout=10000")
            await reader.execute("PRAGMA query_only=ON")
            self._readers.append(reader)

    async def close(self) -> None:
        for reader in self._readers:
            await reader.close()
        self._readers.clear()

    def _reader(self) -> aiosqlite.Connection:
        reader = self._readers[self._next % len(self._readers)]
        self._next += 1
        return reader

    async def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        try:
            return [tuple(r) for r in await self._reader().execute_fetchall(sql, params)]
        except sqlite3.Error as exc:
            raise translate(exc) from exc

    async def dicts(self, sql: str, params: Any = ()) -> list[Row]:
        """Rows as dicts keyed by column name."""
        try:
            rows = cast(list[sqlite3.Row],
                        await self._reader().execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise translate(exc) from exc
        if not rows:
            return []
        names = rows[0].keys()
        return [dict(zip(names, row, strict=True)) for row in rows]


class DataVersion:
    """SQLite's change counter (`PRAGMA data_version`, on a connection of its own: a few
    microseconds, no I/O beyond the shared WAL index). Read at most once per `window`
    seconds: a commit of this process's writer marks it stale at once (`committed`, a
    commit listener); a commit from another process (the CLI) is seen within the window."""

    def __init__(self, path: str, window: float = 0.002) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._window = window
        self._version = -1
        self._read_at = float("-inf")

    def current(self) -> int:
        now = time.monotonic()
        if now - self._read_at > self._window:
            self._version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            self._read_at = now
        return self._version

    def committed(self, _events: object = None) -> None:
        self._read_at = float("-inf")

    def close(self) -> None:
        self._conn.close()
