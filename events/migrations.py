"""Versioned schema changes, on every SQL backend.

Each part of the schema (`component`: the log, the projections) is a list of
`Migration`s numbered from 1; `schema_migrations` records which have run. `migrate`
runs the missing ones in order, inside the caller's transaction (which holds the
database's write lock: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory lock), so two
processes starting at once apply each change once. A database created before versioning
(its tables there, no `schema_migrations`) is at version 0: version 1 of each component
creates its tables `IF NOT EXISTS`, so it adopts them unchanged.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from events.clock import utc_now
from events.errors import SchemaTooNew

SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
    applied_at TEXT NOT NULL, PRIMARY KEY (component, version))"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Any], None]  # runs its statements on the connection


def applied(conn: Any, component: str) -> list[int]:
    rows = conn.execute("SELECT version FROM schema_migrations WHERE component = ?"
                        " ORDER BY version", (component,)).fetchall()
    return [row[0] for row in rows]


def versions(conn: Any) -> dict[str, list[int]]:
    """component -> the versions applied, in order."""
    found: dict[str, list[int]] = {}
    for component, version in conn.execute("SELECT component, version FROM schema_migrations"
                                           " ORDER BY component, version").fetchall():
        found.setdefault(component, []).append(version)
    return found


def migrate(conn: Any, component: str, migrations: Sequence[Migration], *,
            table_exists: str, upto: int | None = None) -> list[int]:
    """Run the migrations of `component` not yet applied (up to version `upto`); the
    versions it ran. `table_exists` is the backend's query that returns a row when
    `schema_migrations` exists: on an up-to-date database nothing but SELECTs run, so a
    role without the right to create tables can open it."""
    numbers = [m.version for m in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{component} migrations are not numbered 1..n: {numbers}")
    if conn.execute(table_exists).fetchone() is None:
        conn.execute(SCHEMA_MIGRATIONS)
    done = set(applied(conn, component))
    if done and max(done) > len(migrations):
        raise SchemaTooNew(
            f"the database's {component} schema is at version {max(done)}, newer than this "
            f"program's {len(migrations)}: upgrade the program")
    ran = []
    for migration in migrations:
        if migration.version in done or (upto is not None and migration.version > upto):
            continue
        migration.apply(conn)
        conn.execute("INSERT INTO schema_migrations (component, version, name, applied_at)"
                     " VALUES (?,?,?,?)", (component, migration.version, migration.name,
                                           utc_now()))
        ran.append(migration.version)
    return ran
