"""Sync ingest: upstream rows for a connector and model, latest wins.

The rows are data, not configuration: they are upserted beside the log in the same
transaction as the `ConnectorSynced` event that records counts and a digest. A row is
stored as it was sent (its keys in their order); digests are over canonical JSON, so
a row sent again with its keys in another order is unchanged. The bounds (records per
call, bytes per record) are this command's rules.
"""

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from events import Metadata
from events import types as ev
from events.canonical import canonical_json
from service import rules
from service.commands.base import Command, Context, Limits, Tx
from service.commands.streams import connector_stream
from service.errors import RecordTooLarge, TooManyRecords
from service.jsontext import dumps as as_sent

Row = dict[str, Any]


def check_record_count(count: int, limits: Limits) -> None:
    """Cheap enough to run before the records are even validated one by one."""
    if count > limits.max_sync_records:
        raise TooManyRecords(limits.max_sync_records)


@dataclass(frozen=True)
class SyncRecords(Command[Row]):
    """`records` are {"remote_id", "data"}; a remote id given twice: the later wins, and
    the answer counts it once (`received` = inserted + updated + unchanged) and says how
    many records it folded (`duplicates`)."""

    org_id: str
    connector_token: str
    category: str
    model: str
    records: list[Row]

    @cached_property
    def canonical(self) -> list[bytes]:
        """Each record's `data` in canonical JSON, once: its size is checked and its
        digest taken from these bytes."""
        return [canonical_json(record["data"]).encode("utf-8") for record in self.records]

    def check(self, ctx: Context) -> None:
        check_record_count(len(self.records), ctx.limits)
        rules.require_model(ctx.catalogue, self.category, self.model)
        limit = ctx.limits.max_record_bytes
        for index, (record, canonical) in enumerate(zip(self.records, self.canonical,
                                                        strict=True)):
            if len(canonical) > limit:
                raise RecordTooLarge(index, record["remote_id"], len(canonical), limit)

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        connector = rules.require_connector(
            tx.state.connector_by_token(self.org_id, self.connector_token))
        rules.require_serves(ctx.catalogue, connector["integration_slug"], self.category,
                             field="category")
        digest_all = hashlib.sha256()
        latest: dict[str, tuple[str, str, int]] = {}
        for ord_, (record, canonical) in enumerate(zip(self.records, self.canonical,
                                                       strict=True)):
            remote_id = record["remote_id"]
            # canonical_json([remote_id, data]), from the bytes already built
            digest_all.update(b"[%s,%s]" % (canonical_json(remote_id).encode(), canonical))
            latest.pop(remote_id, None)
            latest[remote_id] = (as_sent(record["data"]), hashlib.sha256(canonical).hexdigest(),
                                 ord_)
        existing = tx.state.synced_digests(connector["id"], self.category, self.model,
                                           list(latest))
        inserted = sum(1 for r in latest if r not in existing)
        unchanged = sum(1 for r, (_, d, _) in latest.items() if existing.get(r) == d)
        updated = len(latest) - inserted - unchanged
        duplicates = len(self.records) - len(latest)
        [stored] = tx.append(connector_stream(connector["id"]), None, [ev.ConnectorSynced(
            connector["id"], self.category, self.model, len(latest), inserted, updated,
            unchanged, digest_all.hexdigest(), duplicates)], org_id=self.org_id, metadata=meta)
        tx.state.upsert_synced_records(
            {"connector_id": connector["id"], "category": self.category, "model": self.model,
             "remote_id": remote_id, "data": text, "digest": digest, "synced_at":
             stored.recorded_at, "seq": stored.seq, "ord": ord_}
            for remote_id, (text, digest, ord_) in latest.items())
        return {"connector_token": connector["token"], "category": self.category,
                "model": self.model, "received": len(latest), "inserted": inserted,
                "updated": updated, "unchanged": unchanged, "duplicates": duplicates,
                "digest": digest_all.hexdigest(), "synced_at": stored.recorded_at}
