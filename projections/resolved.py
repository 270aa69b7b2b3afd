"""Resolved values beside the synced rows (`resolved_records`, projections.tables): the
page the values endpoint serves, the rows whose stored body is out of date, and their
upsert (portable SQL).

A stored body is fresh while its `plan` is the caller's and its `digest` and
`synced_at` are the synced row's: anything else (no body, another plan, a row synced
again since) is stale, and the caller evaluates the row itself.
"""

from collections.abc import Iterable
from typing import Any

from projections.sql import Executor, Readers, upsert

Row = dict[str, Any]
RESOLVED_COLUMNS = ("connector_id", "category", "model", "remote_id", "digest", "synced_at",
                    "plan", "body")
RESOLVED_UPSERT = upsert("resolved_records", RESOLVED_COLUMNS,
                         ("connector_id", "category", "model", "remote_id"))
_JOIN = (" FROM synced_records s LEFT JOIN resolved_records r"
         " ON r.connector_id = s.connector_id AND r.category = s.category"
         " AND r.model = s.model AND r.remote_id = s.remote_id")
_SAME_ROW = "r.digest = s.digest AND r.synced_at = s.synced_at"
_FRESH = f"r.plan = ? AND {_SAME_ROW}"
_SCOPE = " WHERE s.connector_id = ? AND s.category = ? AND s.model = ? AND s.remote_id > ?"


class ResolvedQueries:
    """Mixed into the backend's read queries (`projections.queries.ReadQueries`)."""

    _readers: Readers

    async def resolved_page(self, connector_id: str, category: str, model: str, plan: str,
                            after: str | None, limit: int,
                            remote_ids: list[str] | None = None) -> list[Row]:
        """A page by remote id, as `synced_records`: each row with its stored `body` when
        fresh under `plan` (and no `data`), else its `data` and the plan its stored body
        was computed with (`stored_plan`: null when there is none for this version of
        the row, or when the body is fresh)."""
        only, params = "", [connector_id, category, model, after or ""]
        if remote_ids:
            only = f" AND s.remote_id IN ({','.join('?' * len(remote_ids))})"
            params += remote_ids
        return await self._readers.dicts(
            f"SELECT s.remote_id, s.synced_at, CASE WHEN {_FRESH} THEN r.body END AS body,"
            f" CASE WHEN {_FRESH} THEN NULL ELSE s.data END AS data,"
            f" CASE WHEN {_SAME_ROW} AND r.plan <> ? THEN r.plan END AS stored_plan"
            f"{_JOIN}{_SCOPE}{only} ORDER BY s.remote_id LIMIT ?",
            [plan, plan, plan, *params, limit])

    async def stale_resolved(self, connector_id: str, category: str, model: str, plan: str,
                             after: str | None, limit: int) -> list[Row]:
        """The next `limit` rows after `after` without a fresh body under `plan`."""
        return await self._readers.dicts(
            f"SELECT s.remote_id, s.data, s.digest, s.synced_at{_JOIN}{_SCOPE}"
            f" AND (r.remote_id IS NULL OR NOT ({_FRESH})) ORDER BY s.remote_id LIMIT ?",
            [connector_id, category, model, after or "", plan, limit])

    async def synced_scopes(self, org_id: str, connector_id: str | None = None
                            ) -> list[Row]:
        """Each (connector, category, model) of the organization (or of one of its
        connectors) with synced rows: the connector's id, token and integration, and
        the category and model."""
        only, params = "", [org_id]
        if connector_id is not None:
            only, params = " AND c.id = ?", [org_id, connector_id]
        return await self._readers.dicts(
            "SELECT DISTINCT c.id, c.token, c.integration_slug, s.category, s.model"
            " FROM synced_records s JOIN connectors c ON c.id = s.connector_id"
            f" WHERE c.org_id = ?{only} ORDER BY c.id, s.category, s.model", params)


class ResolvedDecisions:
    """Mixed into the backend's decisions (`projections.decisions.SqlDecisions`)."""

    _conn: Executor

    def store_resolved_records(self, rows: Iterable[Row]) -> None:
        self._conn.executemany(RESOLVED_UPSERT,
                               [tuple(row[c] for c in RESOLVED_COLUMNS) for row in rows])

    def drop_resolved_records(self, connector_id: str) -> None:
        self._conn.execute("DELETE FROM resolved_records WHERE connector_id = ?",
                           (connector_id,))
