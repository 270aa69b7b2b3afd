"""The PostgreSQL log's DDL, migrations and the lock that serialises appends.

As on SQLite, the database keeps the log's promises itself: `UNIQUE(stream_id,
version)` catches stale writers; triggers refuse UPDATE, DELETE and TRUNCATE, a gap in a
stream's versions, and a row that does not extend the hash chain at `seq` = head + 1.
`seq` is assigned by the writer under the log's write lock (a transaction-level advisory
lock of the schema), held to the COMMIT, so sequence numbers become visible in the order
they were given (no `bigserial`: a sequence hands out numbers at INSERT, and a reader
could see 2 before 1). The lock excludes only other writers; reads go on. A writer that
bypasses it still cannot break the log: `seq` is the primary key and the chain trigger
checks head + 1, so of two such inserts one fails. An advisory lock needs no privilege
on the table, so the service's role can be one without UPDATE, DELETE or TRUNCATE on
`events` (docs/SCALING.md). Data and metadata are stored
as the exact text that was hashed; `field_id` is derived from it for the audit filter.
"""

from typing import Any

from events.canonical import GENESIS_HASH
from events.migrations import Migration, migrate

CHANNEL = "custom_fields_head"  # NOTIFY carries the new head's seq
# pg_advisory_xact_lock(class, key) locks, per schema (several deployments may share a
# database): one process migrates at a time; one transaction appends at a time.
SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(7316001, hashtext(current_schema()))"
WRITE_LOCK = "SELECT pg_advisory_xact_lock(7316002, hashtext(current_schema()))"
FIELD_CLAUSE = "field_id = ?"

LOG_DDL = """
CREATE TABLE IF NOT EXISTS events (
    seq            BIGINT  PRIMARY KEY CHECK (seq >= 1),
    event_id       TEXT    COLLATE "C" NOT NULL UNIQUE,
    org_id         TEXT    COLLATE "C",
    stream_id      TEXT    COLLATE "C" NOT NULL,
    version        INTEGER NOT NULL CHECK (version >= 1),
    type           TEXT    COLLATE "C" NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    recorded_at    TEXT    COLLATE "C" NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    field_id       TEXT    COLLATE "C" GENERATED ALWAYS AS ((data::jsonb) ->> 'field_id') STORED,
    UNIQUE (stream_id, version)
);
CREATE INDEX IF NOT EXISTS events_by_org ON events (org_id, seq);
CREATE INDEX IF NOT EXISTS events_by_time ON events (recorded_at);
CREATE INDEX IF NOT EXISTS events_by_field ON events (field_id, seq);

CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
DROP TRIGGER IF EXISTS events_refuse_update ON events;
CREATE TRIGGER events_refuse_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
DROP TRIGGER IF EXISTS events_refuse_truncate ON events;
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

CREATE OR REPLACE FUNCTION events_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq  BIGINT;
    last_hash TEXT;
BEGIN
    IF NEW.version > 1 AND NOT EXISTS (
            SELECT 1 FROM events WHERE stream_id = NEW.stream_id
                                   AND version = NEW.version - 1) THEN
        RAISE EXCEPTION 'stream version gap' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT seq, hash INTO last_seq, last_hash FROM events ORDER BY seq DESC LIMIT 1;
    IF NEW.seq <> COALESCE(last_seq, 0) + 1
            OR NEW.prev_hash <> COALESCE(last_hash, '""" + GENESIS_HASH + """') THEN
        RAISE EXCEPTION 'event does not extend the hash chain'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS events_extend_chain ON events;
CREATE TRIGGER events_extend_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_check_insert();
"""

EVENTS_BY_TYPE = "CREATE INDEX IF NOT EXISTS events_by_type ON events (type, seq)"

MIGRATIONS_TABLE_EXISTS = "SELECT 1 WHERE to_regclass('schema_migrations') IS NOT NULL"

LOG_MIGRATIONS = (
    Migration(1, "the log, its indexes and the triggers that guard it",
              lambda conn: conn.script(LOG_DDL)),
    Migration(2, "events by type", lambda conn: conn.execute(EVENTS_BY_TYPE)),
)


def lock_schema(conn: Any) -> None:
    """In a transaction: wait until no other process is migrating (released at its end)."""
    conn.execute(SCHEMA_LOCK)


def create_log(conn: Any, upto: int | None = None) -> None:
    """The log's schema, migrated to the latest version (or `upto`), in the caller's
    transaction (which holds `lock_schema`)."""
    migrate(conn, "log", LOG_MIGRATIONS, table_exists=MIGRATIONS_TABLE_EXISTS, upto=upto)
