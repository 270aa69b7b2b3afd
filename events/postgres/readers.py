"""Reading PostgreSQL from the event loop: a psycopg async connection pool.

Each query borrows a connection (autocommit: it sees what was committed when it
started), converts the `?` placeholders and gives the connection back. A connection the
server dropped (a restart) is discarded by the pool and replaced in the background;
waiting longer than `timeout` for one is `StorageUnavailable`, so an outage is answered
quickly instead of queueing requests.
"""

from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from events.postgres.connection import connect_options, pg_sql
from events.postgres.errors import translate

Row = dict[str, Any]


class PgReaders:
    def __init__(self, url: str, size: int = 4, *, prepare: bool = True,
                 timeout: float = 3.0) -> None:
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            url, min_size=1, max_size=max(1, size), open=False, timeout=timeout,
            kwargs=connect_options(prepare, "custom-fields reader"),
            reconnect_timeout=0, name="custom-fields-readers")
        self._timeout = timeout

    async def open(self) -> None:
        try:
            await self._pool.open(wait=True, timeout=self._timeout)
        except Exception as exc:
            await self._pool.close()
            neutral = translate(exc)
            raise neutral from exc

    async def close(self) -> None:
        await self._pool.close()

    async def _fetch(self, sql: str, params: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
        try:
            async with self._pool.connection() as conn:
                cursor = await conn.execute(pg_sql(sql), params)
                rows = await cursor.fetchall()
                names = [d.name for d in cursor.description or ()]
                return names, rows
        except Exception as exc:
            neutral = translate(exc)
            if neutral is exc:
                raise
            raise neutral from exc

    async def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return (await self._fetch(sql, params))[1]

    async def dicts(self, sql: str, params: Any = ()) -> list[Row]:
        """Rows as dicts keyed by column name."""
        names, rows = await self._fetch(sql, params)
        return [dict(zip(names, row, strict=True)) for row in rows]
