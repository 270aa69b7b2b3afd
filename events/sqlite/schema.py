"""The SQLite log's DDL and connection settings.

The database enforces the log's promises itself: `UNIQUE(stream_id, version)` catches
stale writers, triggers refuse UPDATE and DELETE, refuse gaps in a stream's versions
and refuse a row that does not extend the hash chain.
"""

import sqlite3

from events.canonical import GENESIS_HASH
from events.migrations import Migration, migrate

LOG_DDL = """
CREATE TABLE IF NOT EXISTS events (
    seq            INTEGER PRIMARY KEY,
    event_id       TEXT    NOT NULL UNIQUE,
    org_id         TEXT,
    stream_id      TEXT    NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    UNIQUE (stream_id, version)
);
CREATE INDEX IF NOT EXISTS events_by_org ON events (org_id, seq);
CREATE INDEX IF NOT EXISTS events_by_time ON events (recorded_at);
CREATE INDEX IF NOT EXISTS events_by_field ON events (json_extract(data, '$.field_id'), seq);
CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
CREATE TRIGGER IF NOT EXISTS events_refuse_gap BEFORE INSERT ON events
WHEN NEW.version > 1 AND NOT EXISTS (
    SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version - 1)
BEGIN SELECT RAISE(ABORT, 'stream version gap'); END;
CREATE TRIGGER IF NOT EXISTS events_extend_chain BEFORE INSERT ON events
WHEN NEW.prev_hash IS NOT COALESCE(
        (SELECT hash FROM events ORDER BY seq DESC LIMIT 1), '""" + GENESIS_HASH + """')
  OR NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM events), 0) + 1
BEGIN SELECT RAISE(ABORT, 'event does not extend the hash chain'); END;
"""


def connect(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL journal."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    configure(conn, synchronous)
    return conn


def configure(conn: sqlite3.Connection, synchronous: str = "FULL") -> None:
    if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous is OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA temp_store=MEMORY")


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements without the implicit COMMIT of `executescript`."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


# the audit API's `type` filter reads the log by type
EVENTS_BY_TYPE = "CREATE INDEX IF NOT EXISTS events_by_type ON events (type, seq)"

MIGRATIONS_TABLE_EXISTS = ("SELECT 1 FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'schema_migrations'")

LOG_MIGRATIONS = (
    Migration(1, "the log, its indexes and the triggers that guard it",
              lambda conn: execute_script(conn, LOG_DDL)),
    Migration(2, "events by type", lambda conn: conn.execute(EVENTS_BY_TYPE)),
)


def create_log(conn: sqlite3.Connection, upto: int | None = None) -> None:
    """The log's schema, migrated to the latest version (or `upto`), in the caller's
    write transaction."""
    migrate(conn, "log", LOG_MIGRATIONS, table_exists=MIGRATIONS_TABLE_EXISTS, upto=upto)
