"""Decision queries: what commands read inside the write transaction, on every backend.

Bound to the writer's connection (an `Executor`), so every answer is the state the
command's events will be appended to. Also the two writes that are not events: synced
upstream rows and idempotency records. Portable SQL (`projections.sql`).
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

from events import StoredEvent
from events import sqllog as log
from projections import definitions
from projections.resolved import ResolvedDecisions
from projections.sql import Executor, upsert
from projections.webhooks import WebhookDecisions

Row = dict[str, Any]


class SqlDecisions(WebhookDecisions, ResolvedDecisions):  # projections.webhooks, .resolved
    def __init__(self, conn: Executor, field_clause: str = log.SQLITE_FIELD) -> None:
        self._conn = conn
        self._field_clause = field_clause  # how the backend finds an event's field id

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        cursor = self._conn.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # --- tenancy --------------------------------------------------------------------------

    def organization_by_slug(self, slug: str) -> Row | None:
        return self._one("SELECT id, slug, name FROM organizations WHERE slug = ?", (slug,))

    def api_key(self, key_id: str) -> Row | None:
        return self._one("SELECT id, org_id, revoked_at FROM api_keys WHERE id = ?", (key_id,))

    def enabled_integrations(self, org_id: str) -> set[str]:
        return {r[0] for r in self._conn.execute(
            "SELECT integration_slug FROM org_integrations WHERE org_id = ?", (org_id,))}

    def connector_by_token(self, org_id: str, token: str) -> Row | None:
        return self._one(f"SELECT {CONNECTOR_COLUMNS} FROM connectors"
                         " WHERE token = ? AND org_id = ?", (token, org_id))

    def connector(self, org_id: str, connector_id: str) -> Row | None:
        return self._one(f"SELECT {CONNECTOR_COLUMNS} FROM connectors"
                         " WHERE id = ? AND org_id = ?", (connector_id, org_id))

    def mapping_ids_of_connector(self, connector_id: str) -> list[Row]:
        """(id, field_id) of the connector's own mappings, by id."""
        return self._all("SELECT id, field_id FROM mappings WHERE connector_id = ?"
                         " ORDER BY id", (connector_id,))

    def mappings_using_integration(self, org_id: str, integration_slug: str) -> int:
        """The organization's mappings scoped to the integration or to one of its
        connectors."""
        return self._scalar(
            "SELECT COUNT(*) FROM mappings m LEFT JOIN connectors c ON c.id = m.connector_id"
            " WHERE m.org_id = ? AND (m.integration_slug = ? OR c.integration_slug = ?)",
            (org_id, integration_slug, integration_slug)) or 0

    # --- fields and options -----------------------------------------------------------------

    def field(self, org_id: str, field_id: str) -> Row | None:
        row = self._one("SELECT id, category, model, name, description, type, number_format"
                        " FROM fields WHERE id = ? AND org_id = ?", (field_id, org_id))
        if row is not None and row["number_format"]:
            row["number_format"] = json.loads(row["number_format"])
        return row

    def field_id_by_name_key(self, org_id: str, category: str, model: str,
                             name_key: str) -> str | None:
        return self._scalar("SELECT id FROM fields WHERE org_id = ? AND category = ?"
                            " AND model = ? AND name_key = ?", (org_id, category, model, name_key))

    def options(self, field_id: str) -> list[Row]:
        return self._all("SELECT id, value, value_key, color, position FROM field_options"
                         " WHERE field_id = ? ORDER BY position", (field_id,))

    def option_id_by_value_key(self, field_id: str, value_key: str) -> str | None:
        return self._scalar("SELECT id FROM field_options WHERE field_id = ? AND value_key = ?",
                            (field_id, value_key))

    def last_option_position(self, field_id: str) -> int | None:
        return self._scalar("SELECT MAX(position) FROM field_options WHERE field_id = ?",
                            (field_id,))

    def definitions(self, org_id: str, category: str | None = None,
                    model: str | None = None) -> list[Row]:
        """Every field (of one category and model) with its options and mappings."""
        return definitions.assemble(*(self._all(sql, params) for sql, params in
                                      definitions.statements(org_id, category, model)))

    # --- mappings ---------------------------------------------------------------------------

    def mapping(self, org_id: str, mapping_id: str) -> Row | None:
        return self._one("SELECT id, field_id, json_path FROM mappings"
                         " WHERE id = ? AND org_id = ?", (mapping_id, org_id))

    def mapping_ids_of_field(self, field_id: str) -> list[str]:
        return [r[0] for r in self._conn.execute(
            "SELECT id FROM mappings WHERE field_id = ? ORDER BY id", (field_id,))]

    def has_mapping(self, field_id: str, *, integration_slug: str | None = None,
                    connector_id: str | None = None) -> bool:
        params: tuple[str, str | None]
        if integration_slug is not None:
            sql = "SELECT 1 FROM mappings WHERE field_id = ? AND integration_slug = ?"
            params = (field_id, integration_slug)
        else:
            sql = "SELECT 1 FROM mappings WHERE field_id = ? AND connector_id = ?"
            params = (field_id, connector_id)
        return self._conn.execute(sql, params).fetchone() is not None

    # --- a field's log, and the field as the v1 read shows it (revert) ----------------------

    def field_events(self, org_id: str, field_id: str) -> list[StoredEvent]:
        """The field's events (its stream and its mappings' streams) in log order, read
        on the writer's connection."""
        return list(log.iter_events(self._conn, org_id=org_id, field_id=field_id,
                                    field_clause=self._field_clause))

    def field_view(self, org_id: str, field_id: str) -> Row | None:
        """The field with every column and its options in order (ReadQueries.field)."""
        row = self._one(f"SELECT {FIELD_VIEW_COLUMNS} FROM fields WHERE id = ? AND org_id = ?",
                        (field_id, org_id))
        if row is not None:
            row["number_format"] = (json.loads(row["number_format"]) if row["number_format"]
                                    else None)
            row["options"] = self._all("SELECT id, value, color, position FROM field_options"
                                       " WHERE field_id = ? ORDER BY position", (field_id,))
        return row

    def field_mappings(self, field_id: str) -> list[Row]:
        """The field's mappings with their connectors' tokens (ReadQueries.field_mappings)."""
        return self._all(f"SELECT {MAPPING_VIEW_COLUMNS} FROM mappings m"
                         " LEFT JOIN connectors c ON c.id = m.connector_id"
                         " WHERE m.field_id = ? ORDER BY m.id", (field_id,))

    # --- synced rows ------------------------------------------------------------------------

    def synced_digests(self, connector_id: str, category: str, model: str,
                       remote_ids: Sequence[str]) -> dict[str, str]:
        if not remote_ids:
            return {}
        marks = ",".join("?" * len(remote_ids))
        return dict(self._conn.execute(
            "SELECT remote_id, digest FROM synced_records WHERE connector_id = ?"
            f" AND category = ? AND model = ? AND remote_id IN ({marks})",
            [connector_id, category, model, *remote_ids]).fetchall())

    def upsert_synced_records(self, rows: Iterable[Row]) -> None:
        self._conn.executemany(SYNCED_UPSERT,
                               [tuple(row[c] for c in SYNCED_COLUMNS) for row in rows])

    def drop_synced_records(self, connector_id: str) -> int:
        self.drop_resolved_records(connector_id)
        return self._conn.execute("DELETE FROM synced_records WHERE connector_id = ?",
                                  (connector_id,)).rowcount

    # --- idempotency records ----------------------------------------------------------------

    def idempotency_record(self, org_id: str, key: str, since: str) -> Row | None:
        return self._one(IDEMPOTENCY_LOOKUP, (org_id, key, since))

    def remember_idempotency(self, record: Row) -> None:
        self._conn.execute(IDEMPOTENCY_UPSERT, tuple(record[c] for c in IDEMPOTENCY_COLUMNS))

    def forget_idempotency_before(self, moment: str) -> int:
        return self._conn.execute("DELETE FROM idempotency_records WHERE created_at < ?",
                                  (moment,)).rowcount


SYNCED_COLUMNS = ("connector_id", "category", "model", "remote_id", "data", "digest",
                  "synced_at", "seq", "ord")
IDEMPOTENCY_COLUMNS = ("org_id", "key", "method", "path", "body_digest", "result",
                       "created_at")
SYNCED_UPSERT = upsert("synced_records", SYNCED_COLUMNS,
                       ("connector_id", "category", "model", "remote_id"))
IDEMPOTENCY_UPSERT = upsert("idempotency_records", IDEMPOTENCY_COLUMNS, ("org_id", "key"))
CONNECTOR_COLUMNS = ("id, org_id, integration_slug, name, token, created_at, last_synced_at,"
                     " version")
IDEMPOTENCY_LOOKUP = ("SELECT body_digest, result, created_at FROM idempotency_records"
                      " WHERE org_id = ? AND key = ? AND created_at >= ?")
# the columns the v1 field read shows (projections.queries FIELD_COLUMNS, MAPPING_COLUMNS)
FIELD_VIEW_COLUMNS = ("id, org_id, category, model, name, description, type, number_format,"
                      " source, created_at, updated_at, version")
MAPPING_VIEW_COLUMNS = ("m.id, m.field_id, m.integration_slug, m.connector_id, c.token,"
                        " m.json_path, m.created_at, m.updated_at, m.version")
