"""The logical export of a database, and its restore: the same on every backend.

An export is JSON lines: a header, every event of the log as stored (`data` and
`metadata` are the exact text that was hashed), every synced upstream row, each webhook
subscription's secret and position in the log, and a trailer with the counts and the
head hash (a cut-off file is refused). Idempotency records (a day of retry
bookkeeping), webhook delivery attempts and leases are not exported. It is written from
one snapshot, beside running writers.

Restoring checks the whole hash chain of the file first, then, in one transaction on a
database whose log is empty, appends the events unchanged (the log's own triggers check
each one again), runs the projector over them and puts the synced rows back: the
projections come out as they were, and `events` prints the same lines before and after.
"""

import json
import os
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from events import sqllog as log
from events.canonical import loads
from events.errors import EventStoreError
from projections.decisions import SYNCED_COLUMNS
from projections.projector import project

FORMAT = "custom-fields-export"
VERSION = 1
COLUMNS = tuple(c.strip() for c in log.EVENT_COLUMNS.split(","))
BATCH = 500
# a webhook's state beside the log: its secret, and its position (no lease, no attempts)
WEBHOOK_COLUMNS = ("webhook_id", "org_id", "secret", "created_at", "position", "generation",
                   "attempt", "failing_since", "next_attempt_at")
WEBHOOK_SELECT = ("SELECT s.webhook_id, s.org_id, s.secret, s.created_at, c.position,"
                  " c.generation, c.attempt, c.failing_since, c.next_attempt_at"
                  " FROM webhook_secrets s JOIN webhook_cursors c ON c.webhook_id = s.webhook_id"
                  " ORDER BY s.webhook_id")


class ExportRefused(EventStoreError):
    """The export cannot be written or restored as asked; the message says why."""


def export(conn: Any, begin_read: Callable[[Any], None], path: str) -> dict[str, Any]:
    """Write the export to the new file `path` (never overwritten); its counts."""
    try:
        out = open(path, "x", encoding="utf-8")
    except FileExistsError:
        raise ExportRefused(f"{path} exists; an export never overwrites a file") from None
    try:
        with out:
            begin_read(conn)
            try:
                counts = _write(conn, out)
            finally:
                conn.execute("ROLLBACK")
    except BaseException:
        os.unlink(path)
        raise
    return counts


def _write(conn: Any, out: TextIO) -> dict[str, Any]:
    out.write(json.dumps({"format": FORMAT, "version": VERSION}) + "\n")
    events, head = 0, None
    for row in conn.execute(f"SELECT {log.EVENT_COLUMNS} FROM events ORDER BY seq"):
        out.write(json.dumps({"event": dict(zip(COLUMNS, row, strict=True))},
                             ensure_ascii=False) + "\n")
        events, head = events + 1, row[-1]
    synced = 0
    for row in conn.execute(f"SELECT {', '.join(SYNCED_COLUMNS)} FROM synced_records"
                            " ORDER BY connector_id, category, model, remote_id"):
        out.write(json.dumps({"synced_record": dict(zip(SYNCED_COLUMNS, row, strict=True))},
                             ensure_ascii=False) + "\n")
        synced += 1
    webhooks = 0
    for row in conn.execute(WEBHOOK_SELECT):
        out.write(json.dumps({"webhook": dict(zip(WEBHOOK_COLUMNS, row, strict=True))}) + "\n")
        webhooks += 1
    counts = {"events": events, "synced_records": synced, "webhooks": webhooks, "head": head}
    out.write(json.dumps({"end": counts}) + "\n")
    return counts


def read(path: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]],
                             list[tuple[Any, ...]]]:
    """The events, synced rows and webhook states of an export, checked: format,
    trailer, hash chain."""
    events: list[tuple[Any, ...]] = []
    synced: list[tuple[Any, ...]] = []
    webhooks: list[tuple[Any, ...]] = []
    end = None
    with open(path, encoding="utf-8") as source:
        lines = iter(source)
        header = _line(path, 1, next(lines, ""))
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise ExportRefused(f"{path} is not a {FORMAT} version {VERSION} file")
        for number, text in enumerate(lines, start=2):
            if end is not None:
                raise ExportRefused(f"{path}:{number}: text after the end line")
            item = _line(path, number, text)
            if "event" in item:
                events.append(tuple(item["event"][c] for c in COLUMNS))
            elif "synced_record" in item:
                synced.append(tuple(item["synced_record"][c] for c in SYNCED_COLUMNS))
            elif "webhook" in item:
                webhooks.append(tuple(item["webhook"][c] for c in WEBHOOK_COLUMNS))
            elif "end" in item:
                end = item["end"]
            else:
                raise ExportRefused(f"{path}:{number}: not an event, a synced row, a webhook"
                                    " or the end")
    if end is None or (end["events"], end["synced_records"], end.get("webhooks", 0)) != (
            len(events), len(synced), len(webhooks)):
        raise ExportRefused(f"{path} is cut off: it has no end line matching its content")
    chain = log.check_chain(events)
    if not chain["ok"]:
        raise ExportRefused(f"{path}: the hash chain breaks at event {chain['first_bad_seq']}")
    return events, synced, webhooks


def _line(path: str, number: int, text: str) -> dict[str, Any]:
    try:
        item = loads(text)
    except ValueError:
        item = None
    if not isinstance(item, dict):
        raise ExportRefused(f"{path}:{number}: not a line of an export")
    return item


def restore(conn: Any, begin_write: Callable[[Any], None], path: str) -> dict[str, Any]:
    """Restore the export `path` into the database of `conn`, whose log must be empty."""
    events, synced, webhooks = read(path)
    begin_write(conn)
    try:
        if conn.execute(log.HEAD).fetchone() is not None:
            raise ExportRefused("the target database already has events: restore into a "
                                "new database")
        for chunk in _chunks(events):
            conn.executemany(log.INSERT_EVENT, chunk)
            for row in chunk:
                project(conn, log.decode(row))
        for chunk in _chunks(synced):
            conn.executemany(f"INSERT INTO synced_records ({', '.join(SYNCED_COLUMNS)})"
                             f" VALUES ({', '.join('?' * len(SYNCED_COLUMNS))})", chunk)
        for row in webhooks:
            state = dict(zip(WEBHOOK_COLUMNS, row, strict=True))
            conn.execute("INSERT INTO webhook_secrets (webhook_id, org_id, secret, created_at)"
                         " VALUES (?,?,?,?)", row[:4])
            conn.execute("INSERT INTO webhook_cursors (webhook_id, org_id, position, generation,"
                         " attempt, failing_since, next_attempt_at) VALUES (?,?,?,?,?,?,?)",
                         (state["webhook_id"], state["org_id"], *row[4:]))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"events": len(events), "synced_records": len(synced), "webhooks": len(webhooks),
            "head": events[-1][-1] if events else None}


def _chunks(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]
