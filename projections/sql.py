"""What the backend-neutral projection code needs of a database connection.

The projector and the decision queries run inside the write transaction on an
`Executor` (a DB-API connection: `sqlite3.Connection` as it is, a PostgreSQL connection
through the adapter of its backend, which also turns `?` into its own placeholder); the
read queries run on `Readers` (a pool answering rows, or dicts keyed by column name).
The SQL they send is the portable subset both backends speak.
"""

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

Row = dict[str, Any]


class Cursor(Protocol):
    description: Any
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Any: ...


class Executor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> Any: ...


class Readers(Protocol):
    async def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]: ...
    async def dicts(self, sql: str, params: Any = ()) -> list[Row]: ...


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """An INSERT of `columns` (`?` placeholders in their order) that, where a row with
    the same `key` exists, sets every other column to the new row's instead."""
    rest = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {rest}")
