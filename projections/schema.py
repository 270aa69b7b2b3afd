"""The projection tables: DDL written once, created in `main` (live) or `temp` (rebuild).

`TABLES` lists each table with the columns that order its canonical dump; the checksum
and `replay` walk them in this order. Upstream data (synced rows) and request bookkeeping
(idempotency keys) are not projections of the log and are not listed here.
"""

import sqlite3

from events.log import execute_script

PROJECTION_DDL = """
CREATE TABLE IF NOT EXISTS {s}.organizations (
    id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.org_integrations (
    org_id TEXT NOT NULL, integration_slug TEXT NOT NULL, enabled_at TEXT NOT NULL,
    PRIMARY KEY (org_id, integration_slug));
CREATE TABLE IF NOT EXISTS {s}.api_keys (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS {s}.connectors (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, integration_slug TEXT NOT NULL,
    name TEXT NOT NULL, token TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    last_synced_at TEXT, version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS {s}.connectors_by_org ON connectors (org_id, id);
CREATE TABLE IF NOT EXISTS {s}.fields (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, category TEXT NOT NULL,
    model TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL, description TEXT,
    type TEXT NOT NULL, number_format TEXT, source TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL,
    UNIQUE (org_id, category, model, name_key));
CREATE INDEX IF NOT EXISTS {s}.fields_by_org ON fields (org_id, category, model, id);
CREATE TABLE IF NOT EXISTS {s}.field_options (
    id TEXT PRIMARY KEY, field_id TEXT NOT NULL, value TEXT NOT NULL,
    value_key TEXT NOT NULL, color TEXT, position INTEGER NOT NULL,
    UNIQUE (field_id, value_key));
CREATE INDEX IF NOT EXISTS {s}.options_by_field ON field_options (field_id, position);
CREATE TABLE IF NOT EXISTS {s}.mappings (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, field_id TEXT NOT NULL,
    integration_slug TEXT, connector_id TEXT, json_path TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL,
    CHECK ((integration_slug IS NULL) <> (connector_id IS NULL)),
    UNIQUE (field_id, integration_slug), UNIQUE (field_id, connector_id));
CREATE INDEX IF NOT EXISTS {s}.mappings_by_field ON mappings (field_id);
"""

# table -> columns that give its dump a total, stable order
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("id",),
    "org_integrations": ("org_id", "integration_slug"),
    "api_keys": ("id",),
    "connectors": ("id",),
    "fields": ("id",),
    "field_options": ("id",),
    "mappings": ("id",),
}

# tables whose rows belong to an organization through a column, for per-org dumps
ORG_COLUMN: dict[str, str] = {
    "organizations": "id",
    "org_integrations": "org_id",
    "api_keys": "org_id",
    "connectors": "org_id",
    "fields": "org_id",
    "mappings": "org_id",
}


def create_projection_tables(conn: sqlite3.Connection, schema: str = "main") -> None:
    execute_script(conn, PROJECTION_DDL.format(s=schema))


def drop_projection_tables(conn: sqlite3.Connection, schema: str) -> None:
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
