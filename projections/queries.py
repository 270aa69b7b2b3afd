"""Read queries over the projection tables, for handlers (async, on a reader connection).

Each list is fetched with a fixed number of queries whatever its length (options of a
page of fields come in one query), and ordered by id (UUIDv7, so by creation) for
stable keyset pagination.
"""

import json
from typing import Any

import aiosqlite

FIELD_COLUMNS = ("id, org_id, category, model, name, description, type, number_format, source,"
                 " created_at, updated_at, version")
MAPPING_COLUMNS = ("m.id, m.field_id, m.integration_slug, m.connector_id, c.token, m.json_path,"
                   " m.created_at, m.updated_at, m.version")


def _rows(cursor_description, rows) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor_description]
    return [dict(zip(names, row)) for row in rows]


async def _fetch(conn: aiosqlite.Connection, sql: str, params=()) -> list[dict[str, Any]]:
    async with conn.execute(sql, params) as cursor:
        rows = await cursor.fetchall()
        return _rows(cursor.description, rows)


def _field(row: dict[str, Any]) -> dict[str, Any]:
    row["number_format"] = json.loads(row["number_format"]) if row["number_format"] else None
    row["options"] = []
    return row


async def enabled_integrations(conn: aiosqlite.Connection, org_id: str) -> list[str]:
    rows = await conn.execute_fetchall(
        "SELECT integration_slug FROM org_integrations WHERE org_id = ? ORDER BY integration_slug",
        (org_id,))
    return [r[0] for r in rows]


async def connector_by_token(conn: aiosqlite.Connection, org_id: str,
                             token: str) -> dict[str, Any] | None:
    rows = await _fetch(conn, "SELECT * FROM connectors WHERE token = ? AND org_id = ?",
                        (token, org_id))
    return rows[0] if rows else None


async def list_connectors(conn: aiosqlite.Connection, org_id: str, after: str | None,
                          limit: int) -> list[dict[str, Any]]:
    return await _fetch(
        conn, "SELECT * FROM connectors WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?",
        (org_id, after or "", limit))


async def _attach_options(conn: aiosqlite.Connection, fields: list[dict[str, Any]]) -> None:
    multiselect = {f["id"]: f for f in fields if f["type"] == "multiselect"}
    if not multiselect:
        return
    marks = ",".join("?" * len(multiselect))
    options = await _fetch(
        conn, f"SELECT id, field_id, value, color, position FROM field_options"
              f" WHERE field_id IN ({marks}) ORDER BY field_id, position", list(multiselect))
    for option in options:
        multiselect[option.pop("field_id")]["options"].append(option)


async def field(conn: aiosqlite.Connection, org_id: str, field_id: str) -> dict[str, Any] | None:
    rows = await _fetch(conn, f"SELECT {FIELD_COLUMNS} FROM fields WHERE id = ? AND org_id = ?",
                        (field_id, org_id))
    if not rows:
        return None
    result = [_field(rows[0])]
    await _attach_options(conn, result)
    return result[0]


async def list_fields(conn: aiosqlite.Connection, org_id: str, *, category: str | None = None,
                      model: str | None = None, source: str | None = None,
                      type_: str | None = None, after: str | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    clauses, params = ["org_id = ?", "id > ?"], [org_id, after or ""]
    for column, value in (("category", category), ("model", model), ("source", source),
                          ("type", type_)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    params.append(limit)
    rows = await _fetch(conn, f"SELECT {FIELD_COLUMNS} FROM fields WHERE {' AND '.join(clauses)}"
                              " ORDER BY id LIMIT ?", params)
    fields = [_field(r) for r in rows]
    await _attach_options(conn, fields)
    return fields


async def field_mappings(conn: aiosqlite.Connection, field_id: str) -> list[dict[str, Any]]:
    return await _fetch(
        conn, f"SELECT {MAPPING_COLUMNS} FROM mappings m"
              " LEFT JOIN connectors c ON c.id = m.connector_id"
              " WHERE m.field_id = ? ORDER BY m.id", (field_id,))


async def mapping(conn: aiosqlite.Connection, org_id: str,
                  mapping_id: str) -> dict[str, Any] | None:
    rows = await _fetch(
        conn, f"SELECT {MAPPING_COLUMNS} FROM mappings m"
              " LEFT JOIN connectors c ON c.id = m.connector_id"
              " WHERE m.id = ? AND m.org_id = ?", (mapping_id, org_id))
    return rows[0] if rows else None


async def configuration(conn: aiosqlite.Connection, org_id: str, connector: dict[str, Any],
                        category: str, model: str) -> list[dict[str, Any]]:
    """Every field of (category, model) with its effective mapping for the connector:
    the connector's own mapping, else its integration's, else none. One query."""
    rows = await _fetch(conn, """
        SELECT f.id AS custom_field_id, f.name, f.description, f.category, f.model, f.type,
               f.number_format,
               cm.id AS connector_mapping_id, cm.json_path AS connector_json_path,
               im.id AS integration_mapping_id, im.json_path AS integration_json_path
          FROM fields f
          LEFT JOIN mappings cm ON cm.field_id = f.id AND cm.connector_id = ?
          LEFT JOIN mappings im ON im.field_id = f.id AND im.integration_slug = ?
         WHERE f.org_id = ? AND f.category = ? AND f.model = ?
         ORDER BY f.id""", (connector["id"], connector["integration_slug"], org_id, category,
                            model))
    for row in rows:
        row["id"] = row["custom_field_id"]
        _field(row)
    await _attach_options(conn, rows)
    return rows


async def latest_synced_record(conn: aiosqlite.Connection, connector_id: str, category: str,
                               model: str) -> dict[str, Any] | None:
    rows = await _fetch(
        conn, "SELECT remote_id, data, synced_at FROM synced_records"
              " WHERE connector_id = ? AND category = ? AND model = ?"
              " ORDER BY seq DESC, ord DESC LIMIT 1", (connector_id, category, model))
    return rows[0] if rows else None


async def synced_records(conn: aiosqlite.Connection, connector_id: str, category: str,
                         model: str, after: str | None, limit: int) -> list[dict[str, Any]]:
    return await _fetch(
        conn, "SELECT remote_id, data, synced_at FROM synced_records"
              " WHERE connector_id = ? AND category = ? AND model = ? AND remote_id > ?"
              " ORDER BY remote_id LIMIT ?", (connector_id, category, model, after or "", limit))
