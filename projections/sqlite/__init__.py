"""The projections on SQLite: tables, projector, decision and read queries, rebuild, and
the backend that puts them together with the SQLite log."""

from projections.sqlite.backend import SqliteBackend

__all__ = ["SqliteBackend"]
