"""The SQLite backend: the log with its projector, the decision and read queries, and
maintenance, all on one database file."""

import os
import sqlite3

from events.sqlite import SqliteEventStore, schema
from events.sqlite.errors import translate
from projections.decisions import SqlDecisions
from projections.maintenance import SqlMaintenance
from projections.ports import Decisions
from projections.projector import project
from projections.rebuild import Place
from projections.sqlbackend import SqlBackend, translating
from projections.sqlite.schema import (
    create_projection_tables,
    create_tables,
    drop_projection_tables,
)

_translated = translating(sqlite3.Error, translate)


class SqliteBackend(SqlBackend):
    store: SqliteEventStore[Decisions]

    def __init__(self, path: str, *, synchronous: str = "FULL", readers: int = 2) -> None:
        self.path = path
        self._synchronous = synchronous
        super().__init__(SqliteEventStore(
            path, projectors=[project], setup=[create_tables], state=SqlDecisions,
            synchronous=synchronous, readers=readers), f"SQLite {path}")

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def maintenance(self) -> "SqliteMaintenance":
        return SqliteMaintenance(self.path, self._synchronous)


def _make_scratch(conn: sqlite3.Connection) -> None:
    drop_projection_tables(conn, "temp")
    create_projection_tables(conn, "temp")


# `temp` tables live as long as the connection, seen by it alone
PLACE = Place(live="main", scratch="temp", make_scratch=_make_scratch,
              drop_scratch=lambda conn: drop_projection_tables(conn, "temp"),
              begin_read=lambda conn: conn.execute("BEGIN"),
              begin_write=lambda conn: conn.execute("BEGIN IMMEDIATE"))


class SqliteMaintenance(SqlMaintenance):
    """Maintenance on a connection of its own (it works beside a running server: rebuild
    takes the write lock for its transaction)."""

    driver_error = sqlite3.Error
    translate = staticmethod(translate)

    @_translated
    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        conn = schema.connect(path, synchronous)
        # rebuild and replay fill `temp` copies of the projections: a page cache of
        # 64 MiB for this connection (temp tables stay on file: a million events'
        # projections need not fit in memory)
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("BEGIN IMMEDIATE")
        try:
            schema.create_log(conn)
            create_tables(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        super().__init__(conn, PLACE)
