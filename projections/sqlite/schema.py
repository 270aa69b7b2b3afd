"""The SQLite tables beside the log, in `main` (live) or `temp` (rebuild), migrated.
"""

import sqlite3

from events.migrations import Migration, migrate
from events.sqlite.schema import MIGRATIONS_TABLE_EXISTS, execute_script
from projections.tables import (
    PROJECTION_DDL,
    RESOLVED_DDL,
    SIDE_DDL,
    TABLES,
    WEBHOOK_SIDE_DDL,
)


def _version_1(conn: sqlite3.Connection) -> None:
    create_projection_tables(conn)
    execute_script(conn, SIDE_DDL)


MIGRATIONS = (Migration(1, "projections, synced rows, idempotency records", _version_1),
              Migration(2, "resolved values of synced rows",
                        lambda conn: execute_script(conn, RESOLVED_DDL)))


def _webhooks_1(conn: sqlite3.Connection) -> None:
    create_projection_tables(conn)  # the webhooks projection; the others exist already
    execute_script(conn, WEBHOOK_SIDE_DDL)


# a component of its own, so the projections' numbering is left as it was
WEBHOOK_MIGRATIONS = (Migration(1, "webhooks: subscriptions, secrets, positions, deliveries",
                                _webhooks_1),)


def create_tables(conn: sqlite3.Connection, upto: int | None = None) -> None:
    """Every table beside the log, live, migrated to the latest version (or `upto`)."""
    migrate(conn, "projections", MIGRATIONS, table_exists=MIGRATIONS_TABLE_EXISTS, upto=upto)
    migrate(conn, "webhooks", WEBHOOK_MIGRATIONS, table_exists=MIGRATIONS_TABLE_EXISTS)


def create_projection_tables(conn: sqlite3.Connection, schema: str = "main") -> None:
    execute_script(conn, PROJECTION_DDL.format(s=schema))


def drop_projection_tables(conn: sqlite3.Connection, schema: str) -> None:
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
