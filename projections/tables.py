"""The tables beside the log, on every backend: their DDL (written once, in the SQL
both backends take; PostgreSQL's schema adapts the types and the index syntax), and the
order of their canonical dump.

`TABLES` lists each projection with the columns that order its canonical dump; the
checksum and `replay` walk them in this order. Synced upstream rows and idempotency
records are not projections of the log (`SIDE_DDL`): they are kept beside it, are not
rebuilt and are not in the checksum. `{s}` is the schema the projection tables go in.
"""

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
""" + """
CREATE TABLE IF NOT EXISTS {s}.webhooks (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL,
    description TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS {s}.webhooks_by_org ON webhooks (org_id, id);
"""

# Idempotency records keep the write's result (plain data): the answer is rendered from
# it, on the first request and on every replay alike. Records of the earlier table,
# which held rendered answers, are not carried over (they lived 24 hours).
SIDE_DDL = """
CREATE TABLE IF NOT EXISTS synced_records (
    connector_id TEXT NOT NULL, category TEXT NOT NULL, model TEXT NOT NULL,
    remote_id TEXT NOT NULL, data TEXT NOT NULL, digest TEXT NOT NULL,
    synced_at TEXT NOT NULL, seq INTEGER NOT NULL, ord INTEGER NOT NULL,
    PRIMARY KEY (connector_id, category, model, remote_id));
CREATE INDEX IF NOT EXISTS synced_latest
    ON synced_records (connector_id, category, model, seq, ord);
DROP TABLE IF EXISTS idempotency_keys;
CREATE TABLE IF NOT EXISTS idempotency_records (
    org_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    body_digest TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, key));
"""

# Each synced row's resolved values as the values endpoint answers them (its JSON bytes
# under `body`, served as they are), under the plan they were computed with (`plan`: one
# signature per field, `service.resolved`) and the row's `digest` and `synced_at` then:
# a body is served only while all three are the current ones. Derived from the synced
# rows and the configuration, never from the log alone: not a projection, not in the
# checksum, not in a backup.
RESOLVED_DDL = """
CREATE TABLE IF NOT EXISTS resolved_records (
    connector_id TEXT NOT NULL, category TEXT NOT NULL, model TEXT NOT NULL,
    remote_id TEXT NOT NULL, digest TEXT NOT NULL, synced_at TEXT NOT NULL,
    plan TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (connector_id, category, model, remote_id));
"""

# Webhook subscriptions' state beside the log (not projections: not rebuilt, not in the
# checksum): the signing secret (never in an event), the durable position of each
# subscription in the log with its retry state and its lease, and the delivery attempts.
WEBHOOK_SIDE_DDL = """
CREATE TABLE IF NOT EXISTS webhook_secrets (
    webhook_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, secret TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_cursors (
    webhook_id TEXT PRIMARY KEY, org_id TEXT NOT NULL, position INTEGER NOT NULL,
    generation INTEGER NOT NULL, attempt INTEGER NOT NULL, failing_since TEXT,
    next_attempt_at TEXT, lease_owner TEXT, lease_until TEXT);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, seq INTEGER NOT NULL,
    event_id TEXT NOT NULL, event TEXT NOT NULL, attempt INTEGER NOT NULL,
    status_code INTEGER, duration_us INTEGER NOT NULL, error TEXT, state TEXT NOT NULL,
    next_retry_at TEXT, attempted_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_time ON webhook_deliveries (attempted_at);
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
    "webhooks": ("id",),
}

# tables whose rows belong to an organization through a column, for per-org dumps
ORG_COLUMN: dict[str, str] = {
    "organizations": "id",
    "org_integrations": "org_id",
    "api_keys": "org_id",
    "connectors": "org_id",
    "fields": "org_id",
    "mappings": "org_id",
    "webhooks": "org_id",
}
