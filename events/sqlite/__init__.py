"""The log on SQLite: one file, WAL, one writer thread, aiosqlite readers."""

from events.sqlite.store import SqliteEventStore

__all__ = ["SqliteEventStore"]
