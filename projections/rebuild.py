"""Rebuild, checksum and replay on SQLite: the projections recomputed from the log.

`rebuild` replays every event into `temp` copies of the projection tables (unqualified
names resolve to `temp` first, so the very projector of the live path fills them), then
compares checksums and swaps the rows into `main`, all inside one write transaction.
`replay` does the same up to a point in the log and returns the state instead.
"""

import hashlib
import sqlite3
from typing import Any

from events import sqllog as log
from events.canonical import canonical_json
from projections.projector import project
from projections.sqlite.schema import (
    ORG_COLUMN,
    TABLES,
    create_projection_tables,
    drop_projection_tables,
)


def dump(conn: sqlite3.Connection, schema: str = "main",
         org_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every projection row, each table sorted by its key: the canonical state."""
    state: dict[str, list[dict[str, Any]]] = {}
    for table, order in TABLES.items():
        sql = f"SELECT * FROM {schema}.{table}"
        params: list[Any] = []
        if org_id is not None:
            if table in ORG_COLUMN:
                sql += f" WHERE {ORG_COLUMN[table]} = ?"
            else:  # options belong to an organization through their field
                sql += f" WHERE field_id IN (SELECT id FROM {schema}.fields WHERE org_id = ?)"
            params.append(org_id)
        sql += " ORDER BY " + ", ".join(order)
        cursor = conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        state[table] = [dict(zip(names, row, strict=True)) for row in cursor]
    return state


def checksum(conn: sqlite3.Connection, schema: str = "main") -> str:
    """sha256 over every projection row in dump order (table name, then each row's
    values as canonical JSON), streamed so no dump is held in memory."""
    digest = hashlib.sha256()
    for table, order in TABLES.items():
        digest.update(f"\n#{table}\n".encode())
        cursor = conn.execute(f"SELECT * FROM {schema}.{table} ORDER BY {', '.join(order)}")
        digest.update(canonical_json([d[0] for d in cursor.description]).encode())
        for row in cursor:
            digest.update(b"\n")
            digest.update(canonical_json(row).encode())
    return digest.hexdigest()


def _replay_into_temp(conn: sqlite3.Connection, **filters: Any) -> int:
    drop_projection_tables(conn, "temp")
    create_projection_tables(conn, "temp")
    count = 0
    for replayed in log.iter_replayed(conn, **filters):
        project(conn, replayed)
        count += 1
    return count


def compare(conn: sqlite3.Connection) -> dict[str, Any]:
    """Replay the whole log into temp tables; compare their checksum with the live one.

    Leaves the temp tables in place for `rebuild` to swap in; the caller owns the
    transaction and drops them.
    """
    events = _replay_into_temp(conn)
    fresh = checksum(conn, "temp")
    live = checksum(conn, "main")
    return {"events": events, "checksum": fresh, "live_checksum": live, "matched": fresh == live}


def verify(conn: sqlite3.Connection) -> dict[str, Any]:
    """Hash chain and projection checksum, in one read transaction."""
    conn.execute("BEGIN")
    try:
        chain = log.verify_chain(conn)
        projections = compare(conn)
        drop_projection_tables(conn, "temp")
    finally:
        conn.execute("ROLLBACK")
    return {"ok": chain["ok"] and projections["matched"], "events": chain["events"],
            "chain": chain, "projections": projections}


def rebuild(conn: sqlite3.Connection) -> dict[str, Any]:
    """Replay the whole log into fresh tables and swap them in, in one transaction.

    The caller passes a connection with no open transaction; the write lock is held
    from the first event read to the swap, so no write can slip in between.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = compare(conn)
        for table in TABLES:
            conn.execute(f"DELETE FROM main.{table}")
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM temp.{table}")
        drop_projection_tables(conn, "temp")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"events": result["events"], "checksum": result["checksum"],
            "matched": result["matched"]}


def replay(conn: sqlite3.Connection, *, until_seq: int | None = None,
           until_time: str | None = None, org_id: str | None = None) -> dict[str, Any]:
    """The projection state as it was after event `until_seq` (or at `until_time`)."""
    conn.execute("BEGIN")
    try:
        events = _replay_into_temp(conn, until_seq=until_seq, until_time=until_time,
                                   org_id=org_id)
        state = dump(conn, "temp", org_id)
        drop_projection_tables(conn, "temp")
    finally:
        conn.execute("ROLLBACK")
    return {"events": events, "state": state}
