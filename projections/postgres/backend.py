"""The PostgreSQL backend: the log with its projector, the decision and read queries,
and maintenance, on one database shared by every replica."""

from functools import partial
from urllib.parse import urlsplit

import psycopg

from events.postgres import PostgresEventStore
from events.postgres import schema as log_schema
from events.postgres.connection import PgConnection
from events.postgres.errors import translate
from projections.decisions import SqlDecisions
from projections.maintenance import SqlMaintenance
from projections.ports import Decisions
from projections.postgres import schema
from projections.projector import project
from projections.rebuild import Place
from projections.sqlbackend import SqlBackend, translating

_translated = translating(psycopg.Error, translate)


def describe(url: str) -> str:
    """The server and database of `url`, for logs: never the password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"PostgreSQL {user}{host}{port}{parts.path or '/'}"


class PostgresBackend(SqlBackend):
    store: PostgresEventStore[Decisions]

    def __init__(self, url: str, *, readers: int = 4, pooler: bool = False) -> None:
        self.url = url
        self._pooler = pooler
        super().__init__(PostgresEventStore(
            url, projectors=[project], setup=[schema.create_tables],
            state=partial(SqlDecisions, field_clause=log_schema.FIELD_CLAUSE),
            readers=readers, pooler=pooler), describe(url))

    @_translated
    def exists(self) -> bool:
        conn = PgConnection.connect(self.url, prepare=False,
                                    application="custom-fields maintenance")
        try:
            row = conn.execute("SELECT to_regclass('events')").fetchone()
            return row is not None and row[0] is not None
        finally:
            conn.close()

    def maintenance(self) -> "PostgresMaintenance":
        return PostgresMaintenance(self.url, pooler=self._pooler)


def _begin_write(conn: PgConnection) -> None:
    conn.script(f"BEGIN; {log_schema.WRITE_LOCK}")


def _announce(conn: PgConnection) -> None:
    """Replicas drop their read caches: the tables changed under an unchanged head."""
    conn.execute("SELECT pg_notify(?, 'rebuild')", (log_schema.CHANNEL,))


class PostgresMaintenance(SqlMaintenance):
    """Maintenance on a connection of its own, beside running replicas (rebuild holds the
    log's write lock for its transaction; readers go on reading the old rows until it
    commits)."""

    driver_error = psycopg.Error
    translate = staticmethod(translate)

    @_translated
    def __init__(self, url: str, *, pooler: bool = False) -> None:
        conn = PgConnection.connect(url, prepare=not pooler,
                                    application="custom-fields maintenance")
        try:
            conn.execute("BEGIN")
            log_schema.lock_schema(conn)
            log_schema.create_log(conn)
            schema.create_tables(conn)
            conn.execute("COMMIT")
            live = schema.live_schema(conn)
        except BaseException:
            conn.close()
            raise
        super().__init__(conn, Place(
            live=live, scratch="pg_temp",
            make_scratch=lambda conn: schema.make_scratch(conn, live),
            drop_scratch=schema.drop_scratch,
            begin_read=lambda conn: conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ"),
            begin_write=_begin_write, after_swap=_announce))
