"""The projector: applies one stored event to the projection tables.

A pure function of (tables, event): times, ids and versions come from the event, never
from the clock. The live append path and the rebuild both call `project`, so a rebuild
can only differ from the live tables if the log does.
"""

import json
import sqlite3
from collections.abc import Callable

from events import StoredEvent
from events.log import Replayed
from events import types as ev

Handler = Callable[[sqlite3.Connection, StoredEvent | Replayed], None]
_HANDLERS: dict[type, Handler] = {}


def handles(event_cls: type):
    def register(fn: Handler) -> Handler:
        _HANDLERS[event_cls] = fn
        return fn
    return register


def project(conn: sqlite3.Connection, stored: StoredEvent | Replayed) -> None:
    """Apply one event; needs only its `version`, `recorded_at` and typed `event`."""
    handler = _HANDLERS.get(type(stored.event))
    if handler is not None:
        handler(conn, stored)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


# --- tenancy ----------------------------------------------------------------------------

@handles(ev.OrganizationCreated)
def _organization_created(conn, s):
    e = s.event
    conn.execute("INSERT INTO organizations (id, slug, name, created_at) VALUES (?,?,?,?)",
                 (e.org_id, e.slug, e.name, s.recorded_at))


@handles(ev.IntegrationEnabled)
def _integration_enabled(conn, s):
    e = s.event
    conn.execute("INSERT OR IGNORE INTO org_integrations (org_id, integration_slug, enabled_at)"
                 " VALUES (?,?,?)", (e.org_id, e.integration_slug, s.recorded_at))


@handles(ev.ApiKeyIssued)
def _key_issued(conn, s):
    e = s.event
    conn.execute("INSERT INTO api_keys (id, org_id, key_hash, prefix, created_at)"
                 " VALUES (?,?,?,?,?)", (e.key_id, e.org_id, e.key_hash, e.prefix, s.recorded_at))


@handles(ev.ApiKeyRevoked)
def _key_revoked(conn, s):
    conn.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (s.recorded_at, s.event.key_id))


@handles(ev.ConnectorCreated)
def _connector_created(conn, s):
    e = s.event
    conn.execute("INSERT INTO connectors (id, org_id, integration_slug, name, token, created_at,"
                 " version) VALUES (?,?,?,?,?,?,?)",
                 (e.connector_id, e.org_id, e.integration_slug, e.name, e.token, s.recorded_at,
                  s.version))


@handles(ev.ConnectorSynced)
def _connector_synced(conn, s):
    conn.execute("UPDATE connectors SET last_synced_at = ?, version = ? WHERE id = ?",
                 (s.recorded_at, s.version, s.event.connector_id))


# --- fields and options -----------------------------------------------------------------------

def _touch_field(conn, s: StoredEvent | Replayed, field_id: str) -> None:
    conn.execute("UPDATE fields SET updated_at = ?, version = ? WHERE id = ?",
                 (s.recorded_at, s.version, field_id))


@handles(ev.FieldCreated)
def _field_created(conn, s):
    e = s.event
    conn.execute(
        "INSERT INTO fields (id, org_id, category, model, name, name_key, description, type,"
        " number_format, source, created_at, updated_at, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (e.field_id, e.org_id, e.category, e.model, e.name, e.name.casefold(), e.description,
         e.type, _json(e.number_format), e.source, s.recorded_at, s.recorded_at, s.version))


@handles(ev.FieldUpdated)
def _field_updated(conn, s):
    e = s.event
    changes = dict(e.changes)
    if "name" in changes:
        changes["name_key"] = changes["name"].casefold()
    if "number_format" in changes:
        changes["number_format"] = _json(changes["number_format"])
    columns = sorted(changes)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f"UPDATE fields SET {assignments}, updated_at = ?, version = ? WHERE id = ?",
                 [changes[c] for c in columns] + [s.recorded_at, s.version, e.field_id])


@handles(ev.FieldDeleted)
def _field_deleted(conn, s):
    conn.execute("DELETE FROM field_options WHERE field_id = ?", (s.event.field_id,))
    conn.execute("DELETE FROM fields WHERE id = ?", (s.event.field_id,))


@handles(ev.OptionAdded)
def _option_added(conn, s):
    e = s.event
    conn.execute("INSERT INTO field_options (id, field_id, value, value_key, color, position)"
                 " VALUES (?,?,?,?,?,?)",
                 (e.option_id, e.field_id, e.value, e.value.casefold(), e.color, e.position))
    _touch_field(conn, s, e.field_id)


@handles(ev.OptionUpdated)
def _option_updated(conn, s):
    e = s.event
    changes = dict(e.changes)
    if "value" in changes:
        changes["value_key"] = changes["value"].casefold()
    columns = sorted(changes)
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f"UPDATE field_options SET {assignments} WHERE id = ?",
                 [changes[c] for c in columns] + [e.option_id])
    _touch_field(conn, s, e.field_id)


@handles(ev.OptionsReordered)
def _options_reordered(conn, s):
    e = s.event
    conn.executemany("UPDATE field_options SET position = ? WHERE id = ?",
                     [(position, option_id) for position, option_id in enumerate(e.option_ids)])
    _touch_field(conn, s, e.field_id)


@handles(ev.OptionRemoved)
def _option_removed(conn, s):
    e = s.event
    conn.execute("DELETE FROM field_options WHERE id = ?", (e.option_id,))
    _touch_field(conn, s, e.field_id)


# --- mappings -----------------------------------------------------------------------------------

@handles(ev.MappingCreated)
def _mapping_created(conn, s):
    e = s.event
    conn.execute(
        "INSERT INTO mappings (id, org_id, field_id, integration_slug, connector_id, json_path,"
        " created_at, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?)",
        (e.mapping_id, e.org_id, e.field_id, e.integration_slug, e.connector_id, e.json_path,
         s.recorded_at, s.recorded_at, s.version))


@handles(ev.MappingUpdated)
def _mapping_updated(conn, s):
    conn.execute("UPDATE mappings SET json_path = ?, updated_at = ?, version = ? WHERE id = ?",
                 (s.event.json_path, s.recorded_at, s.version, s.event.mapping_id))


@handles(ev.MappingDeleted)
def _mapping_deleted(conn, s):
    conn.execute("DELETE FROM mappings WHERE id = ?", (s.event.mapping_id,))
