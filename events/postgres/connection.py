"""PostgreSQL connections that speak the SQL the rest of the store is written in.

The log, the projector and the queries write `?` placeholders (the DB-API's qmark
style, as sqlite3 takes them); psycopg takes `%s`. `PgConnection` wraps a synchronous
psycopg connection (the writer's, the CLI's) and converts each statement once (cached).
Connections are in autocommit mode: transactions are explicit `BEGIN`s, as on SQLite.

`prepare` off (`prepare_threshold=None`) is what PgBouncer in transaction mode needs:
a server-side prepared statement would be looked for on another server connection.
"""

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

CONNECT_TIMEOUT = 3  # seconds to reach the server before a connection attempt fails


@functools.lru_cache(maxsize=2048)
def pg_sql(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled). Our SQL has no `?`
    inside string literals or identifiers."""
    return sql.replace("%", "%%").replace("?", "%s")


def connect_options(prepare: bool, application: str) -> dict[str, Any]:
    return {"autocommit": True, "connect_timeout": CONNECT_TIMEOUT,
            "prepare_threshold": 5 if prepare else None, "application_name": application}


class PgConnection:
    """A synchronous psycopg connection with `?` placeholders (an `Executor`)."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    @classmethod
    def connect(cls, url: str, *, prepare: bool = True,
                application: str = "custom-fields") -> "PgConnection":
        return cls(psycopg.Connection.connect(url, **connect_options(prepare, application)))

    def script(self, sql: str) -> None:
        """Several statements without parameters, in one round trip."""
        self.raw.execute(sql.encode())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self.raw.execute(pg_sql(sql), params)

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.executemany(pg_sql(sql), list(params))
        return cursor

    @property
    def usable(self) -> bool:
        return not (self.raw.closed or self.raw.broken)

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()
