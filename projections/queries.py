"""Read queries for handlers, on every backend: asynchronous, through the backend's
reader pool (`projections.sql.Readers`), in portable SQL.

Each list is fetched with a fixed number of queries whatever its length (the options of
a page of fields come in one query), and ordered by id (UUIDv7, so by creation) for
stable keyset pagination.
"""

import json
from typing import Any

from projections import definitions
from projections.decisions import CONNECTOR_COLUMNS, IDEMPOTENCY_LOOKUP
from projections.resolved import ResolvedQueries
from projections.sql import Readers
from projections.webhooks import WebhookQueries

Row = dict[str, Any]
FIELD_COLUMNS = ("id, org_id, category, model, name, description, type, number_format, source,"
                 " created_at, updated_at, version")
MAPPING_COLUMNS = ("m.id, m.field_id, m.integration_slug, m.connector_id, c.token, m.json_path,"
                   " m.created_at, m.updated_at, m.version")


def _field(row: Row) -> Row:
    row["number_format"] = json.loads(row["number_format"]) if row["number_format"] else None
    row["options"] = []
    return row


class ReadQueries(WebhookQueries, ResolvedQueries):  # projections.webhooks, .resolved
    def __init__(self, readers: Readers) -> None:
        self._readers = readers

    async def _first(self, sql: str, params: Any = ()) -> Row | None:
        rows = await self._readers.dicts(sql, params)
        return rows[0] if rows else None

    # --- tenancy --------------------------------------------------------------------------

    async def principal_by_key_hash(self, key_hash: str) -> Row | None:
        """The live (unrevoked) key with that hash, and its organization."""
        return await self._first(
            "SELECT k.id AS key_id, k.org_id, k.key_hash, o.slug AS org_slug FROM api_keys k"
            " JOIN organizations o ON o.id = k.org_id"
            " WHERE k.key_hash = ? AND k.revoked_at IS NULL", (key_hash,))

    async def principal_by_key_id(self, key_id: str) -> Row | None:
        """The key with that id if it is live (unrevoked), and its organization."""
        return await self._first(
            "SELECT k.id AS key_id, k.org_id, k.key_hash, o.slug AS org_slug, o.name AS org_name"
            " FROM api_keys k JOIN organizations o ON o.id = k.org_id"
            " WHERE k.id = ? AND k.revoked_at IS NULL", (key_id,))

    async def overview(self, org_id: str) -> dict[str, list[Row]]:
        """What the organization has, counted: fields per (category, model), and per
        connector its synced rows and, per (category, model), the fields it has an
        effective mapping for (its own, or its integration's)."""
        fields = await self._readers.dicts(
            "SELECT category, model, COUNT(*) AS fields FROM fields WHERE org_id = ?"
            " GROUP BY category, model ORDER BY category, model", (org_id,))
        mapped = await self._readers.dicts(
            "SELECT c.id AS connector_id, f.category, f.model, COUNT(*) AS mapped"
            " FROM connectors c JOIN fields f ON f.org_id = c.org_id"
            " WHERE c.org_id = ? AND EXISTS (SELECT 1 FROM mappings m WHERE m.field_id = f.id"
            " AND (m.connector_id = c.id OR m.integration_slug = c.integration_slug))"
            " GROUP BY c.id, f.category, f.model", (org_id,))
        rows = await self._readers.dicts(
            "SELECT s.connector_id, COUNT(*) AS rows FROM synced_records s"
            " JOIN connectors c ON c.id = s.connector_id WHERE c.org_id = ?"
            " GROUP BY s.connector_id", (org_id,))
        return {"fields": fields, "mapped": mapped, "rows": rows}

    async def organization_by_slug(self, slug: str) -> Row | None:
        return await self._first("SELECT id, slug, name, created_at FROM organizations"
                                 " WHERE slug = ?", (slug,))

    async def enabled_integrations(self, org_id: str) -> list[str]:
        rows = await self._readers.rows(
            "SELECT integration_slug FROM org_integrations WHERE org_id = ?"
            " ORDER BY integration_slug", (org_id,))
        return [r[0] for r in rows]

    async def connector_by_token(self, org_id: str, token: str) -> Row | None:
        return await self._first(f"SELECT {CONNECTOR_COLUMNS} FROM connectors"
                                 " WHERE token = ? AND org_id = ?", (token, org_id))

    async def list_connectors(self, org_id: str, after: str | None, limit: int) -> list[Row]:
        return await self._readers.dicts(
            f"SELECT {CONNECTOR_COLUMNS} FROM connectors WHERE org_id = ? AND id > ?"
            " ORDER BY id LIMIT ?", (org_id, after or "", limit))

    # --- fields ---------------------------------------------------------------------------

    async def _attach_options(self, fields: list[Row]) -> None:
        if not fields:
            return
        by_id = {f["id"]: f for f in fields}
        marks = ",".join("?" * len(by_id))
        options = await self._readers.dicts(
            f"SELECT id, field_id, value, color, position FROM field_options"
            f" WHERE field_id IN ({marks}) ORDER BY field_id, position", list(by_id))
        for option in options:
            by_id[option.pop("field_id")]["options"].append(option)

    async def field(self, org_id: str, field_id: str) -> Row | None:
        row = await self._first(f"SELECT {FIELD_COLUMNS} FROM fields WHERE id = ? AND org_id = ?",
                                (field_id, org_id))
        if row is None:
            return None
        result = [_field(row)]
        await self._attach_options(result)
        return result[0]

    async def list_fields(self, org_id: str, *, category: str | None = None,
                          model: str | None = None, source: str | None = None,
                          type_: str | None = None, after: str | None = None,
                          limit: int = 50) -> list[Row]:
        clauses = ["org_id = ?", "id > ?"]
        params: list[Any] = [org_id, after or ""]
        for column, value in (("category", category), ("model", model), ("source", source),
                              ("type", type_)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        params.append(limit)
        rows = await self._readers.dicts(
            f"SELECT {FIELD_COLUMNS} FROM fields WHERE {' AND '.join(clauses)}"
            " ORDER BY id LIMIT ?", params)
        fields = [_field(r) for r in rows]
        await self._attach_options(fields)
        return fields

    async def definitions(self, org_id: str, category: str | None = None,
                          model: str | None = None) -> list[Row]:
        """Every field (of one category and model) with its options and mappings (each
        with its connector's token): three queries."""
        return definitions.assemble(*[await self._readers.dicts(sql, params) for sql, params
                                      in definitions.statements(org_id, category, model)])

    async def field_mappings(self, field_id: str) -> list[Row]:
        return await self._readers.dicts(
            f"SELECT {MAPPING_COLUMNS} FROM mappings m"
            " LEFT JOIN connectors c ON c.id = m.connector_id"
            " WHERE m.field_id = ? ORDER BY m.id", (field_id,))

    async def configuration(self, org_id: str, connector: Row, category: str,
                            model: str) -> list[Row]:
        """Every field of (category, model) with the connector's own mapping and its
        integration's mapping beside it. One query, plus one for options."""
        rows = await self._readers.dicts("""
            SELECT f.id, f.name, f.description, f.category, f.model, f.type, f.number_format,
                   cm.id AS connector_mapping_id, cm.json_path AS connector_json_path,
                   im.id AS integration_mapping_id, im.json_path AS integration_json_path
              FROM fields f
              LEFT JOIN mappings cm ON cm.field_id = f.id AND cm.connector_id = ?
              LEFT JOIN mappings im ON im.field_id = f.id AND im.integration_slug = ?
             WHERE f.org_id = ? AND f.category = ? AND f.model = ?
             ORDER BY f.id""", (connector["id"], connector["integration_slug"], org_id,
                                category, model))
        fields = [_field(r) for r in rows]
        await self._attach_options(fields)
        return fields

    # --- synced rows and idempotency records --------------------------------------------------

    async def latest_synced_record(self, connector_id: str, category: str,
                                   model: str) -> Row | None:
        return await self._first(
            "SELECT remote_id, data, synced_at FROM synced_records"
            " WHERE connector_id = ? AND category = ? AND model = ?"
            " ORDER BY seq DESC, ord DESC LIMIT 1", (connector_id, category, model))

    async def recent_synced_records(self, connector_id: str, category: str, model: str,
                                    limit: int) -> list[Row]:
        """The `limit` most recently synced rows, the latest first (the order
        `latest_synced_record` takes the first of)."""
        return await self._readers.dicts(
            "SELECT remote_id, data, synced_at FROM synced_records"
            " WHERE connector_id = ? AND category = ? AND model = ?"
            " ORDER BY seq DESC, ord DESC LIMIT ?", (connector_id, category, model, limit))

    async def synced_record(self, connector_id: str, category: str, model: str,
                            remote_id: str) -> Row | None:
        return await self._first(
            "SELECT remote_id, data, synced_at FROM synced_records"
            " WHERE connector_id = ? AND category = ? AND model = ? AND remote_id = ?",
            (connector_id, category, model, remote_id))

    async def synced_records(self, connector_id: str, category: str, model: str,
                             after: str | None, limit: int,
                             remote_ids: list[str] | None = None) -> list[Row]:
        """A page by remote id; only the rows `remote_ids` names when it is given."""
        only, params = "", [connector_id, category, model, after or ""]
        if remote_ids:
            only = f" AND remote_id IN ({','.join('?' * len(remote_ids))})"
            params += remote_ids
        return await self._readers.dicts(
            "SELECT remote_id, data, synced_at FROM synced_records"
            " WHERE connector_id = ? AND category = ? AND model = ? AND remote_id > ?"
            f"{only} ORDER BY remote_id LIMIT ?", [*params, limit])

    async def idempotency_record(self, org_id: str, key: str, since: str) -> Row | None:
        return await self._first(IDEMPOTENCY_LOOKUP, (org_id, key, since))
