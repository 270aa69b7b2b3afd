"""The PostgreSQL tables beside the log: the DDL of `projections.tables`, adapted.

Text is compared byte by byte (`COLLATE "C"`, as SQLite does), so lists, cursors and the
canonical dump order rows the same on both backends whatever the database's locale;
integers are 64-bit. Scratch copies for rebuild and replay are `pg_temp` tables made
`LIKE` the live ones.
"""

import re
from typing import Any

from events.migrations import Migration, migrate
from events.postgres.schema import MIGRATIONS_TABLE_EXISTS
from projections.tables import (
    PROJECTION_DDL,
    RESOLVED_DDL,
    SIDE_DDL,
    TABLES,
    WEBHOOK_SIDE_DDL,
)


def adapt(ddl: str) -> str:
    """SQLite's DDL as PostgreSQL's: types (BLOB is BYTEA), and the schema on the table,
    not the index."""
    ddl = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', ddl)
    ddl = re.sub(r"\bINTEGER\b", "BIGINT", ddl)
    ddl = re.sub(r"\bBLOB\b", "BYTEA", ddl)
    return re.sub(r"CREATE INDEX IF NOT EXISTS \{s\}\.(\w+) ON (\w+)",
                  r"CREATE INDEX IF NOT EXISTS \1 ON {s}.\2", ddl)


PROJECTIONS_DDL = adapt(PROJECTION_DDL).format(s="public").replace("public.", "")
LIVE_DDL = PROJECTIONS_DDL + adapt(SIDE_DDL)

MIGRATIONS = (Migration(1, "projections, synced rows, idempotency records",
                        lambda conn: conn.script(LIVE_DDL)),
              Migration(2, "resolved values of synced rows",
                        lambda conn: conn.script(adapt(RESOLVED_DDL))))
# a component of its own, so the projections' numbering is left as it was
WEBHOOK_MIGRATIONS = (Migration(
    1, "webhooks: subscriptions, secrets, positions, deliveries",
    lambda conn: conn.script(PROJECTIONS_DDL + adapt(WEBHOOK_SIDE_DDL))),)


def create_tables(conn: Any, upto: int | None = None) -> None:
    """Every table beside the log, in the connection's schema, migrated to the latest
    version (or `upto`), in the caller's transaction."""
    migrate(conn, "projections", MIGRATIONS, table_exists=MIGRATIONS_TABLE_EXISTS, upto=upto)
    migrate(conn, "webhooks", WEBHOOK_MIGRATIONS, table_exists=MIGRATIONS_TABLE_EXISTS)


def live_schema(conn: Any) -> str:
    name = conn.execute("SELECT current_schema()").fetchone()[0]
    return '"' + name.replace('"', '""') + '"'


def make_scratch(conn: Any, live: str) -> None:
    drop_scratch(conn)
    for table in TABLES:
        conn.execute(f"CREATE TEMP TABLE {table} (LIKE {live}.{table} INCLUDING ALL)"
                     " ON COMMIT DROP")


def drop_scratch(conn: Any) -> None:
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
