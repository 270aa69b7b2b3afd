"""Rebuild, checksum and replay: the projections recomputed from the log, on every
backend.

`rebuild` replays every event into scratch copies of the projection tables (SQLite's
`temp`, PostgreSQL's `pg_temp`: unqualified names resolve to them first, so the very
projector of the live path fills them), then compares checksums and swaps the rows into
the live tables, all inside one write transaction. `replay` does the same up to a point
in the log and returns the state instead. What differs between backends is a `Place`.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from events import sqllog as log
from events.canonical import canonical_json
from projections.projector import project
from projections.tables import ORG_COLUMN, TABLES


@dataclass(frozen=True)
class Place:
    """Where a backend keeps the live and the scratch tables, and how it opens the
    transactions of maintenance."""

    live: str                                # schema of the live tables
    scratch: str                             # schema of the scratch copies
    make_scratch: Callable[[Any], None]      # (re)creates empty scratch tables
    drop_scratch: Callable[[Any], None]
    begin_read: Callable[[Any], None]        # a consistent snapshot of log and tables
    begin_write: Callable[[Any], None]       # holds the log's write lock to the end
    after_swap: Callable[[Any], None] = lambda conn: None  # tell readers the tables moved


def dump(conn: Any, schema: str, org_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
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


def checksum(conn: Any, schema: str) -> str:
    """sha256 over every projection row in dump order (table name, then each row's
    values as a JSON array), streamed so no dump is held in memory. The same rows give
    the same checksum on every backend (the drivers hand back the same Python values)."""
    digest = hashlib.sha256()
    for table, order in TABLES.items():
        digest.update(f"\n#{table}\n".encode())
        cursor = conn.execute(f"SELECT * FROM {schema}.{table} ORDER BY {', '.join(order)}")
        digest.update(_row_bytes([d[0] for d in cursor.description]))
        for row in cursor:
            digest.update(b"\n")
            digest.update(_row_bytes(row))
    return digest.hexdigest()


def _row_bytes(values: Sequence[Any]) -> bytes:
    """A row's values as a compact JSON array: orjson's bytes, or canonical JSON for what
    orjson does not take (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(values)
    except orjson.JSONEncodeError:
        return canonical_json(list(values)).encode()


def _replay_into_scratch(conn: Any, place: Place, **filters: Any) -> int:
    place.make_scratch(conn)
    count = 0
    for replayed in log.iter_replayed(conn, **filters):
        project(conn, replayed)
        count += 1
    return count


def compare(conn: Any, place: Place) -> dict[str, Any]:
    """Replay the whole log into scratch tables; compare their checksum with the live one.

    Leaves the scratch tables in place for `rebuild` to swap in; the caller owns the
    transaction and drops them.
    """
    events = _replay_into_scratch(conn, place)
    fresh = checksum(conn, place.scratch)
    live = checksum(conn, place.live)
    return {"events": events, "checksum": fresh, "live_checksum": live, "matched": fresh == live}


def verify(conn: Any, place: Place) -> dict[str, Any]:
    """Hash chain and projection checksum, in one snapshot; nothing is changed."""
    place.begin_read(conn)
    try:
        chain = log.verify_chain(conn)
        projections = compare(conn, place)
        place.drop_scratch(conn)
    finally:
        conn.execute("ROLLBACK")
    return {"ok": chain["ok"] and projections["matched"], "events": chain["events"],
            "chain": chain, "projections": projections}


def rebuild(conn: Any, place: Place) -> dict[str, Any]:
    """Replay the whole log into fresh tables and swap them in, in one transaction.

    The caller passes a connection with no open transaction; the write lock is held
    from the first event read to the swap, so no write can slip in between (readers go
    on reading the old rows until the COMMIT).
    """
    place.begin_write(conn)
    try:
        result = compare(conn, place)
        for table in TABLES:
            conn.execute(f"DELETE FROM {place.live}.{table}")
            conn.execute(f"INSERT INTO {place.live}.{table} SELECT * FROM {place.scratch}.{table}")
        place.drop_scratch(conn)
        place.after_swap(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"events": result["events"], "checksum": result["checksum"],
            "matched": result["matched"]}


def replay(conn: Any, place: Place, *, until_seq: int | None = None,
           until_time: str | None = None, org_id: str | None = None) -> dict[str, Any]:
    """The projection state as it was after event `until_seq` (or at `until_time`)."""
    place.begin_read(conn)
    try:
        events = _replay_into_scratch(conn, place, until_seq=until_seq,
                                      until_time=until_time, org_id=org_id)
        state = dump(conn, place.scratch, org_id)
        place.drop_scratch(conn)
    finally:
        conn.execute("ROLLBACK")
    return {"events": events, "state": state}
