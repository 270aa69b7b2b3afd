"""Resolved values kept beside the synced rows, so the values endpoint pages through
stored answers instead of evaluating every mapping on every read.

A connector's (category, model) has a plan: its configuration rows in field order, each
with a signature of everything its entry depends on (id, name, source, JSON path, type,
option values, number format). A row's body (its entry of the values answer, as JSON bytes)
is stored under the plan's text; a read whose plan is the stored one serves the body
as is, and any other row (no body yet, another plan, synced again since) is evaluated
for the answer and named in `recomputing` with the fields whose values changed plan.
`service.refresher` brings the stored bodies up to date in the background.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from events.canonical import canonical_json
from service import values
from service.jmes import ExpressionCache
from service.jsontext import dumps_bytes

Row = dict[str, Any]
VERSION = "v1"  # of the body's shape and of the evaluation: a new one makes every body stale


@dataclass(frozen=True)
class Plan:
    rows: list[Row]            # configuration rows (projections' `configuration`), in order
    signatures: tuple[str, ...]
    text: str                  # VERSION:signature,signature,...


def plan(rows: list[Row]) -> Plan:
    signatures = []
    for row in rows:
        json_path, source, _ = values.effective(row)
        options = [option["value"] for option in row["options"]]  # what the checker reads
        described = canonical_json([row["id"], row["name"], source, json_path, row["type"],
                                    options, row.get("number_format")])
        signatures.append(hashlib.sha256(described.encode("utf-8")).hexdigest()[:16])
    return Plan(rows, tuple(signatures), f"{VERSION}:{','.join(signatures)}")


def recomputing(current: Plan, stored_plans: list[str | None]) -> list[str]:
    """The fields whose values differ from the stored ones under `stored_plans` (the
    plans of a page's stale rows; None: the row has none), in field order."""
    stale: set[str] = set()
    for stored in set(stored_plans):
        version, _, signatures = (stored or "").partition(":")
        if version != VERSION:
            return [row["id"] for row in current.rows]
        kept = set(signatures.split(","))
        stale.update(s for s in current.signatures if s not in kept)
    return [row["id"] for row, s in zip(current.rows, current.signatures, strict=True)
            if s in stale]


def bodies(expressions: ExpressionCache, model: str, current: Plan, records: list[Row]
           ) -> list[bytes]:
    """Each record's entry of the values answer, as the JSON bytes it is stored and
    served as."""
    return [dumps_bytes(entry) for entry in
            values.resolve_records(expressions, model, current.rows, records)]


def page(expressions: ExpressionCache, model: str, current: Plan, rows: list[Row]
         ) -> tuple[list[bytes], list[str]]:
    """A page of `resolved_page` rows as record bodies, the stale ones evaluated now, and
    the fields being recomputed."""
    stale = [row for row in rows if row["body"] is None]
    fresh = iter(bodies(expressions, model, current, stale)) if stale else iter(())
    out = [next(fresh) if row["body"] is None else bytes(row["body"]) for row in rows]
    return out, recomputing(current, [row["stored_plan"] for row in stale]) if stale else []


def answer(head: Row, records: list[bytes], next_cursor: str | None,
           fields_recomputing: list[str]) -> bytes:
    """The values answer around its records' bodies, as `dumps_bytes` would write it (one
    join: a page is megabytes)."""
    parts = [dumps_bytes(head)[:-1], b',"records":[']
    for record in records:
        parts += (record, b",")
    if records:
        parts.pop()
    parts += (b'],"next_cursor":', dumps_bytes(next_cursor), b',"recomputing":',
              dumps_bytes(fields_recomputing), b"}")
    return b"".join(parts)
