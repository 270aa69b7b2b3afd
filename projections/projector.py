"""The projector: applies one event to the projection tables, on every backend.

A pure function of (tables, event): times, ids, versions and uniqueness keys come from
the event, never from the clock or a recomputation. The live append path and the
rebuild both call `project`, so a rebuild can only differ from the live tables if the
log does. Every event type has a handler here or is marked as not projected.

The SQL is the portable subset both backends speak (`?` placeholders, which the
PostgreSQL connection translates; `ON CONFLICT` rather than `INSERT OR ...`), run on
the write transaction's connection (`Executor`).
"""

import json
from collections.abc import Callable
from typing import Any

from events import Replayed, StoredEvent
from events import types as ev
from projections.dispatch import HandlerTable
from projections.sql import Executor

Conn = Executor
Projected = StoredEvent | Replayed
Handler = Callable[[Conn, Any, Projected], None]  # (conn, typed event, envelope)
HANDLERS: HandlerTable[Handler] = HandlerTable("the projector")
handles = HANDLERS.handles


def project(conn: Conn, stored: Projected) -> None:
    """Apply one event; needs only its `version`, `recorded_at` and typed `event`."""
    handler = HANDLERS.get(type(stored.event))
    if handler is not None:
        handler(conn, stored.event, stored)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _update(conn: Conn, table: str, changes: dict[str, Any], key: str,
            extra: dict[str, Any] | None = None) -> None:
    values = {**changes, **(extra or {})}
    columns = sorted(values)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?",
                 [values[c] for c in columns] + [key])


# --- tenancy ----------------------------------------------------------------------------

@handles(ev.OrganizationCreated)
def _organization_created(conn: Conn, e: ev.OrganizationCreated, s: Projected) -> None:
    conn.execute("INSERT INTO organizations (id, slug, name, created_at) VALUES (?,?,?,?)",
                 (e.org_id, e.slug, e.name, s.recorded_at))


@handles(ev.IntegrationEnabled)
def _integration_enabled(conn: Conn, e: ev.IntegrationEnabled, s: Projected) -> None:
    conn.execute("INSERT INTO org_integrations (org_id, integration_slug, enabled_at)"
                 " VALUES (?,?,?) ON CONFLICT (org_id, integration_slug) DO NOTHING",
                 (e.org_id, e.integration_slug, s.recorded_at))


@handles(ev.ApiKeyIssued)
def _key_issued(conn: Conn, e: ev.ApiKeyIssued, s: Projected) -> None:
    conn.execute("INSERT INTO api_keys (id, org_id, key_hash, prefix, created_at)"
                 " VALUES (?,?,?,?,?)", (e.key_id, e.org_id, e.key_hash, e.prefix, s.recorded_at))


@handles(ev.ApiKeyRevoked)
def _key_revoked(conn: Conn, e: ev.ApiKeyRevoked, s: Projected) -> None:
    conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (s.recorded_at, e.key_id))


@handles(ev.ConnectorCreated)
def _connector_created(conn: Conn, e: ev.ConnectorCreated, s: Projected) -> None:
    conn.execute("INSERT INTO connectors (id, org_id, integration_slug, name, token, created_at,"
                 " version) VALUES (?,?,?,?,?,?,?)",
                 (e.connector_id, e.org_id, e.integration_slug, e.name, e.token, s.recorded_at,
                  s.version))


@handles(ev.IntegrationDisabled)
def _integration_disabled(conn: Conn, e: ev.IntegrationDisabled, s: Projected) -> None:
    conn.execute("DELETE FROM org_integrations WHERE org_id = ? AND integration_slug = ?",
                 (e.org_id, e.integration_slug))


@handles(ev.ConnectorRenamed)
def _connector_renamed(conn: Conn, e: ev.ConnectorRenamed, s: Projected) -> None:
    conn.execute("UPDATE connectors SET name = ?, version = ? WHERE id = ?",
                 (e.name, s.version, e.connector_id))


@handles(ev.ConnectorDeleted)
def _connector_deleted(conn: Conn, e: ev.ConnectorDeleted, s: Projected) -> None:
    conn.execute("DELETE FROM connectors WHERE id = ?", (e.connector_id,))


@handles(ev.ConnectorSynced)
def _connector_synced(conn: Conn, e: ev.ConnectorSynced, s: Projected) -> None:
    conn.execute("UPDATE connectors SET last_synced_at = ?, version = ? WHERE id = ?",
                 (s.recorded_at, s.version, e.connector_id))


# --- fields and options -----------------------------------------------------------------------

def _touch_field(conn: Conn, s: Projected, field_id: str) -> None:
    conn.execute("UPDATE fields SET updated_at = ?, version = ? WHERE id = ?",
                 (s.recorded_at, s.version, field_id))


@handles(ev.FieldCreated)
def _field_created(conn: Conn, e: ev.FieldCreated, s: Projected) -> None:
    conn.execute(
        "INSERT INTO fields (id, org_id, category, model, name, name_key, description, type,"
        " number_format, source, created_at, updated_at, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (e.field_id, e.org_id, e.category, e.model, e.name, e.name_key, e.description,
         e.type, _json(e.number_format), e.source, s.recorded_at, s.recorded_at, s.version))


@handles(ev.FieldUpdated)
def _field_updated(conn: Conn, e: ev.FieldUpdated, s: Projected) -> None:
    changes = dict(e.changes)
    if e.name_key is not None:
        changes["name_key"] = e.name_key
    if "number_format" in changes:
        changes["number_format"] = _json(changes["number_format"])
    _update(conn, "fields", changes, e.field_id,
            {"updated_at": s.recorded_at, "version": s.version})


@handles(ev.FieldDeleted)
def _field_deleted(conn: Conn, e: ev.FieldDeleted, s: Projected) -> None:
    conn.execute("DELETE FROM field_options WHERE field_id = ?", (e.field_id,))
    conn.execute("DELETE FROM fields WHERE id = ?", (e.field_id,))


@handles(ev.OptionAdded)
def _option_added(conn: Conn, e: ev.OptionAdded, s: Projected) -> None:
    conn.execute("INSERT INTO field_options (id, field_id, value, value_key, color, position)"
                 " VALUES (?,?,?,?,?,?)",
                 (e.option_id, e.field_id, e.value, e.value_key, e.color, e.position))
    _touch_field(conn, s, e.field_id)


@handles(ev.OptionUpdated)
def _option_updated(conn: Conn, e: ev.OptionUpdated, s: Projected) -> None:
    changes = dict(e.changes)
    if e.value_key is not None:
        changes["value_key"] = e.value_key
    _update(conn, "field_options", changes, e.option_id)
    _touch_field(conn, s, e.field_id)


@handles(ev.OptionsReordered)
def _options_reordered(conn: Conn, e: ev.OptionsReordered, s: Projected) -> None:
    conn.executemany("UPDATE field_options SET position = ? WHERE id = ?",
                     [(position, option_id) for position, option_id in enumerate(e.option_ids)])
    _touch_field(conn, s, e.field_id)


@handles(ev.OptionRemoved)
def _option_removed(conn: Conn, e: ev.OptionRemoved, s: Projected) -> None:
    conn.execute("DELETE FROM field_options WHERE id = ?", (e.option_id,))
    _touch_field(conn, s, e.field_id)


# --- mappings -----------------------------------------------------------------------------------

@handles(ev.MappingCreated)
def _mapping_created(conn: Conn, e: ev.MappingCreated, s: Projected) -> None:
    conn.execute(
        "INSERT INTO mappings (id, org_id, field_id, integration_slug, connector_id, json_path,"
        " created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?)",
        (e.mapping_id, e.org_id, e.field_id, e.integration_slug, e.connector_id, e.json_path,
         s.recorded_at, s.recorded_at, s.version))


@handles(ev.MappingUpdated)
def _mapping_updated(conn: Conn, e: ev.MappingUpdated, s: Projected) -> None:
    conn.execute("UPDATE mappings SET json_path = ?, updated_at = ?, version = ? WHERE id = ?",
                 (e.json_path, s.recorded_at, s.version, e.mapping_id))


@handles(ev.MappingDeleted)
def _mapping_deleted(conn: Conn, e: ev.MappingDeleted, s: Projected) -> None:
    conn.execute("DELETE FROM mappings WHERE id = ?", (e.mapping_id,))
