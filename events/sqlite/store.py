"""SqliteEventStore: the SQL event store on one SQLite file.

The writer's connection runs `BEGIN IMMEDIATE` for each batch (SQLite has one writer
per file, so the database itself serialises the batches); readers are an aiosqlite pool
and the change marker is SQLite's `PRAGMA data_version`.
"""

import os
import sqlite3
from typing import Any, Generic, TypeVar

from events.sqlite import schema
from events.sqlite.errors import translate
from events.sqlite.readers import DataVersion, ReaderPool
from events.sqlstore import SqlEventStore
from events.sqltransaction import Driver

S = TypeVar("S")

SQLITE_DRIVER = Driver(integrity_error=sqlite3.IntegrityError, translate=translate)


class SqliteEventStore(SqlEventStore[S], Generic[S]):
    """The log plus its inline projectors, on one SQLite file (`synchronous` is its
    PRAGMA; `readers` the size of the read pool)."""

    driver = SQLITE_DRIVER

    def __init__(self, path: str, *, synchronous: str = "FULL", readers: int = 2,
                 **options: Any) -> None:
        super().__init__(**options)
        self.path = path
        self._synchronous = synchronous
        self.readers = ReaderPool(path, readers)
        self._changes: DataVersion | None = None

    def _connect_writer(self) -> sqlite3.Connection:
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
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

    def _begin(self, conn: sqlite3.Connection) -> sqlite3.Connection:
        conn.execute("BEGIN IMMEDIATE")
        return conn

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    async def _open_readers(self) -> None:
        await self.readers.open()
        self._changes = DataVersion(self.path)
        self.commit_listeners.append(self._changes.committed)

    async def _close_readers(self) -> None:
        await self.readers.close()
        if self._changes is not None:
            self.commit_listeners.remove(self._changes.committed)
            self._changes.close()
            self._changes = None

    def change_marker(self) -> int:
        assert self._changes is not None, "store is not open"
        return self._changes.current()


__all__ = ["SQLITE_DRIVER", "SqliteEventStore"]
