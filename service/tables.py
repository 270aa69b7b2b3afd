"""Tables the service keeps beside the log that are not projections of it.

Synced upstream rows are data, not configuration: the log records each sync as a
`ConnectorSynced` event with counts and a digest, and the rows live here (latest wins).
Idempotency records are request bookkeeping with an expiry.
"""

import sqlite3

from events.log import execute_script

SERVICE_DDL = """
CREATE TABLE IF NOT EXISTS synced_records (
    connector_id TEXT NOT NULL, category TEXT NOT NULL, model TEXT NOT NULL,
    remote_id TEXT NOT NULL, data TEXT NOT NULL, digest TEXT NOT NULL,
    synced_at TEXT NOT NULL, seq INTEGER NOT NULL, ord INTEGER NOT NULL,
    PRIMARY KEY (connector_id, category, model, remote_id));
CREATE INDEX IF NOT EXISTS synced_latest ON synced_records (connector_id, category, model, seq, ord);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    org_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    body_digest TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL,
    headers TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, key));
"""


def create_service_tables(conn: sqlite3.Connection) -> None:
    execute_script(conn, SERVICE_DDL)
