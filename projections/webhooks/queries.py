"""Webhook reads, asynchronous, through the backend's reader pool: subscriptions and
their deliveries for handlers, and what the delivery worker holds (portable SQL)."""

from typing import Any

from projections.sql import Readers
from projections.webhooks.decisions import CURSOR_COLUMNS, DELIVERY_COLUMNS, webhook_row

Row = dict[str, Any]
HELD_COLUMNS = ("w.id, w.org_id, w.url, w.events, w.version, s.secret, c.position,"
                " c.generation, c.attempt, c.failing_since, c.next_attempt_at, c.lease_until")


class WebhookQueries:
    """Mixed into the backend's read queries (`projections.queries.ReadQueries`)."""

    _readers: Readers

    async def webhook(self, org_id: str, webhook_id: str) -> Row | None:
        rows = await self._readers.dicts(
            "SELECT id, org_id, url, events, description, created_at, updated_at, version"
            " FROM webhooks WHERE id = ? AND org_id = ?", (webhook_id, org_id))
        return webhook_row(rows[0]) if rows else None

    async def list_webhooks(self, org_id: str, after: str | None, limit: int) -> list[Row]:
        rows = await self._readers.dicts(
            "SELECT id, org_id, url, events, description, created_at, updated_at, version"
            " FROM webhooks WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?",
            (org_id, after or "", limit))
        return [webhook_row(row) for row in rows]

    async def webhook_cursor(self, webhook_id: str) -> Row | None:
        rows = await self._readers.dicts(f"SELECT {CURSOR_COLUMNS} FROM webhook_cursors"
                                         " WHERE webhook_id = ?", (webhook_id,))
        return rows[0] if rows else None

    async def webhook_deliveries(self, webhook_id: str, before: str | None,
                                 limit: int) -> list[Row]:
        """Delivery attempts, the latest first."""
        if before is None:
            return await self._readers.dicts(
                f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM webhook_deliveries"
                " WHERE webhook_id = ? ORDER BY id DESC LIMIT ?", (webhook_id, limit))
        return await self._readers.dicts(
            f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM webhook_deliveries"
            " WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (webhook_id, before, limit))

    async def claimable_webhooks(self, now: str) -> int:
        """Subscriptions nobody holds, or whose lease has run out (its holder's too)."""
        rows = await self._readers.rows(
            "SELECT COUNT(*) FROM webhook_cursors WHERE lease_owner IS NULL"
            " OR lease_until < ?", (now,))
        return int(rows[0][0])

    async def held_webhooks(self, owner: str) -> list[Row]:
        """The subscriptions `owner` holds the lease of, with their secret and position."""
        rows = await self._readers.dicts(
            f"SELECT {HELD_COLUMNS} FROM webhook_cursors c JOIN webhooks w ON w.id ="
            " c.webhook_id JOIN webhook_secrets s ON s.webhook_id = c.webhook_id"
            " WHERE c.lease_owner = ? ORDER BY w.id", (owner,))
        return [webhook_row(row) for row in rows]
