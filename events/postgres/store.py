"""PostgresEventStore: the SQL event store on a PostgreSQL server, shared by replicas.

Each replica's writer batches its callers' units into one transaction, as on SQLite;
the transaction starts by taking the log's write lock (an advisory lock of the schema,
`schema.WRITE_LOCK`), so batches of all replicas append one after another, in sequence
order, and the decision queries of a unit (READ COMMITTED: each statement sees what was
committed when it started) see everything committed before it. The batch's last
statement announces the new head (NOTIFY, delivered at COMMIT). A writer connection the
server dropped is replaced at the next batch; until the server answers, writes fail as
`StorageUnavailable`.
"""

from typing import Any, Generic, TypeVar

import psycopg

from events.ports import Head
from events.postgres import schema
from events.postgres.changes import HeadWatcher
from events.postgres.connection import PgConnection
from events.postgres.errors import translate
from events.postgres.readers import PgReaders
from events.sqlstore import SqlEventStore
from events.sqltransaction import Driver

S = TypeVar("S")

POSTGRES_DRIVER = Driver(integrity_error=psycopg.IntegrityError, translate=translate)
LOCK_TIMEOUT = "4s"  # a writer waiting longer for the log's lock answers 503


class PostgresEventStore(SqlEventStore[S], Generic[S]):
    """The log plus its inline projectors, on the database of `url` (its search_path
    chooses the schema). `readers` is the read pool's size; `pooler=True` for PgBouncer
    in transaction mode (no prepared statements, the head polled instead of LISTEN)."""

    driver = POSTGRES_DRIVER
    field_clause = schema.FIELD_CLAUSE

    def __init__(self, url: str, *, readers: int = 4, pooler: bool = False,
                 **options: Any) -> None:
        super().__init__(**options)
        self.url = url
        self._prepare = not pooler
        self.readers = PgReaders(url, readers, prepare=self._prepare)
        self._changes = HeadWatcher(url, listen=not pooler, prepare=self._prepare)

    def _connect(self) -> PgConnection:
        return PgConnection.connect(self.url, prepare=self._prepare,
                                    application="custom-fields writer")

    def _connect_writer(self) -> PgConnection:
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            schema.lock_schema(conn)
            schema.create_log(conn)
            for setup in self._setup:
                setup(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return conn

    def _begin(self, conn: PgConnection) -> PgConnection:
        if not conn.usable:
            conn.close()
            conn = self._connect()
            self._state = self._make_state(conn)
        conn.script(f"BEGIN; SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; {schema.WRITE_LOCK}")
        return conn

    def _before_commit(self, conn: PgConnection, head: Head, previous: Head) -> None:
        if head.seq != previous.seq:
            conn.execute("SELECT pg_notify(?, ?)", (schema.CHANNEL, str(head.seq)))

    def _rollback(self, conn: PgConnection) -> None:
        try:
            if conn.usable and conn.in_transaction:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            pass

    async def _open_readers(self) -> None:
        await self.readers.open()
        self.commit_listeners.append(self._changes.committed)
        self._changes.start()

    async def _close_readers(self) -> None:
        await self._changes.stop()
        if self._changes.committed in self.commit_listeners:
            self.commit_listeners.remove(self._changes.committed)
        await self.readers.close()

    def change_marker(self) -> Any:
        return self._changes.current()
