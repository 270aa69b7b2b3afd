"""Webhook subscriptions on every backend: the projection of their events (`projector`,
registered into the projector's table when this package is imported), and the state
kept beside the log (secrets, positions, leases, delivery attempts) that commands write
(`decisions`) and handlers and the delivery worker read (`queries`)."""

from projections.webhooks import projector as projector
from projections.webhooks.decisions import WebhookDecisions
from projections.webhooks.queries import WebhookQueries

__all__ = ["WebhookDecisions", "WebhookQueries"]
