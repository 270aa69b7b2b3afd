"""Sync ingest: upstream rows for a connector and model, latest wins.

The rows are data, not configuration: they are upserted into `synced_records` in the
same transaction as the `ConnectorSynced` event that records counts and a digest.
"""

import hashlib
from typing import Any

from events import Metadata, WriteTransaction
from events import types as ev
from events.canonical import canonical_json


def ingest(tx: WriteTransaction, *, org_id: str, connector_id: str, category: str, model: str,
           records: list[dict[str, Any]], meta: Metadata | None = None) -> dict[str, Any]:
    digest_all = hashlib.sha256()
    latest: dict[str, tuple[str, str, int]] = {}
    for ord_, record in enumerate(records):  # a remote id given twice: the later one wins
        text = canonical_json(record["data"])
        digest_all.update(canonical_json([record["remote_id"], record["data"]]).encode())
        latest.pop(record["remote_id"], None)
        latest[record["remote_id"]] = (text, hashlib.sha256(text.encode()).hexdigest(), ord_)
    existing = dict(tx.conn.execute(
        "SELECT remote_id, digest FROM synced_records"
        " WHERE connector_id = ? AND category = ? AND model = ?"
        f" AND remote_id IN ({','.join('?' * len(latest))})",
        [connector_id, category, model, *latest]).fetchall()) if latest else {}
    inserted = sum(1 for r in latest if r not in existing)
    unchanged = sum(1 for r, (_, d, _) in latest.items() if existing.get(r) == d)
    updated = len(latest) - inserted - unchanged
    [stored] = tx.append(f"connector:{connector_id}", None,
                         [ev.ConnectorSynced(connector_id, category, model, len(records),
                                             inserted, updated, unchanged,
                                             digest_all.hexdigest())],
                         org_id=org_id, metadata=meta)
    tx.conn.executemany(
        "INSERT INTO synced_records (connector_id, category, model, remote_id, data, digest,"
        " synced_at, seq, ord) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (connector_id, category, model, remote_id) DO UPDATE SET"
        " data = excluded.data, digest = excluded.digest, synced_at = excluded.synced_at,"
        " seq = excluded.seq, ord = excluded.ord",
        [(connector_id, category, model, remote_id, text, digest, stored.recorded_at,
          stored.seq, ord_) for remote_id, (text, digest, ord_) in latest.items()])
    return {"category": category, "model": model,
            "received": len(records), "inserted": inserted, "updated": updated,
            "unchanged": unchanged, "digest": stored.event.digest, "synced_at": stored.recorded_at}
