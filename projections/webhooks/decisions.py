"""What commands and the delivery worker read and write about webhooks inside a write
transaction, on its connection: the subscription (a projection row), and the state
beside the log: its secret, its position in the log (with the retry state of the event
it waits on, and the lease of the replica delivering it), its delivery attempts.

Writes of the worker are compare-and-set on (lease owner, generation): a replica that
lost its lease, or a position moved by a replay or a change of the subscription since
the worker read it, writes nothing and is told so. Portable SQL (`projections.sql`).
"""

import json
from collections.abc import Sequence
from typing import Any

from projections.sql import Executor

Row = dict[str, Any]
WEBHOOK_COLUMNS = "id, org_id, url, events, description, created_at, updated_at, version"
CURSOR_COLUMNS = ("position, generation, attempt, failing_since, next_attempt_at, lease_owner,"
                  " lease_until")
CURSOR_CHANGES = ("position", "attempt", "failing_since", "next_attempt_at", "lease_until")
DELIVERY_COLUMNS = ("id", "webhook_id", "seq", "event_id", "event", "attempt", "status_code",
                    "duration_us", "error", "state", "next_retry_at", "attempted_at")


def webhook_row(row: Row) -> Row:
    row["events"] = json.loads(row["events"])
    return row


class WebhookDecisions:
    """Mixed into the backend's decision queries (`projections.decisions.SqlDecisions`)."""

    _conn: Executor

    def _webhook_one(self, sql: str, params: Sequence[Any]) -> Row | None:
        cursor = self._conn.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    # --- subscriptions ----------------------------------------------------------------------

    def webhook(self, org_id: str, webhook_id: str) -> Row | None:
        row = self._webhook_one(f"SELECT {WEBHOOK_COLUMNS} FROM webhooks"
                                " WHERE id = ? AND org_id = ?", (webhook_id, org_id))
        return None if row is None else webhook_row(row)

    def start_webhook(self, webhook_id: str, org_id: str, secret: str, position: int,
                      created_at: str) -> None:
        """The secret and the position (the log's head: no history) of a new subscription."""
        self._conn.execute("INSERT INTO webhook_secrets (webhook_id, org_id, secret, created_at)"
                           " VALUES (?,?,?,?)", (webhook_id, org_id, secret, created_at))
        self._conn.execute("INSERT INTO webhook_cursors (webhook_id, org_id, position,"
                           " generation, attempt) VALUES (?,?,?,0,0)",
                           (webhook_id, org_id, position))

    def drop_webhook_state(self, webhook_id: str) -> None:
        for table in ("webhook_secrets", "webhook_cursors", "webhook_deliveries"):
            self._conn.execute(f"DELETE FROM {table} WHERE webhook_id = ?", (webhook_id,))

    # --- positions ----------------------------------------------------------------------------

    def webhook_cursor(self, webhook_id: str) -> Row | None:
        return self._webhook_one(f"SELECT {CURSOR_COLUMNS} FROM webhook_cursors"
                                 " WHERE webhook_id = ?", (webhook_id,))

    def rewind_webhook(self, webhook_id: str, position: int) -> None:
        """Deliver again from after `position`: no event is failing any more, and the
        worker delivering it now (under the old generation) writes nothing."""
        self._conn.execute(
            "UPDATE webhook_cursors SET position = ?, attempt = 0, failing_since = NULL,"
            " next_attempt_at = NULL, generation = generation + 1 WHERE webhook_id = ?",
            (position, webhook_id))

    def bump_webhook_generation(self, webhook_id: str) -> None:
        """The subscription changed: a delivery in flight under the old one is not
        recorded (its event goes again, to the new address)."""
        self._conn.execute("UPDATE webhook_cursors SET generation = generation + 1"
                           " WHERE webhook_id = ?", (webhook_id,))

    # --- the worker's leases and progress -----------------------------------------------------

    def claim_webhooks(self, owner: str, now: str, until: str) -> int:
        """Lease to `owner` until `until` every subscription free or expired at `now`, and
        renew its own; how many it holds."""
        return int(self._conn.execute(
            "UPDATE webhook_cursors SET lease_owner = ?, lease_until = ?"
            " WHERE lease_owner IS NULL OR lease_owner = ? OR lease_until < ?",
            (owner, until, owner, now)).rowcount)

    def release_webhooks(self, owner: str) -> int:
        return int(self._conn.execute(
            "UPDATE webhook_cursors SET lease_owner = NULL, lease_until = NULL"
            " WHERE lease_owner = ?", (owner,)).rowcount)

    def save_webhook_cursor(self, webhook_id: str, owner: str, generation: int,
                            changes: Row) -> bool:
        """Move the position or the retry state if `owner` still holds the lease of that
        generation; whether it did."""
        columns = [c for c in CURSOR_CHANGES if c in changes]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        return int(self._conn.execute(
            f"UPDATE webhook_cursors SET {assignments}"
            " WHERE webhook_id = ? AND lease_owner = ? AND generation = ?",
            [changes[c] for c in columns] + [webhook_id, owner, generation]).rowcount) == 1

    def add_webhook_delivery(self, row: Row) -> None:
        self._conn.execute(
            f"INSERT INTO webhook_deliveries ({', '.join(DELIVERY_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(DELIVERY_COLUMNS))})",
            tuple(row[c] for c in DELIVERY_COLUMNS))

    def forget_webhook_deliveries_before(self, moment: str) -> int:
        return int(self._conn.execute("DELETE FROM webhook_deliveries WHERE attempted_at < ?",
                                      (moment,)).rowcount)
