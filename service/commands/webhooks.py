"""Webhook commands: subscribe, change, unsubscribe, replay.

A subscription is a stream of events (`WebhookCreated`, `WebhookUpdated`,
`WebhookDeleted`); its signing secret is not in them: it goes into a side table in the
same transaction, with the subscription's position in the log, set to the head (the
subscription's own `WebhookCreated`), so no history is delivered unless replayed. A
change of address or events makes a delivery in flight unrecorded (it goes again under
the new subscription); deleting drops the secret, the position and the delivery
attempts. A replay (`WebhookReplayed`, so the log says who asked for it) moves the
position back.
Addresses are checked by the handler (resolution is I/O) before the command runs;
`check` keeps the rules that need neither I/O nor stored state.
"""

from dataclasses import dataclass
from typing import Any

from events import Metadata
from events import types as ev
from service.commands.base import Command, Context, Tx, matched_version
from service.errors import ValidationFailed
from service.ids import new_id
from service.webhooks import names
from service.webhooks.errors import UnknownEventName, WebhookNotFound
from service.webhooks.signing import new_secret
from service.webhooks.ssrf import url_problem

Row = dict[str, Any]
CHANGEABLE = ("url", "events", "description")


def webhook_stream(webhook_id: str) -> str:
    return f"webhook:{webhook_id}"


def _check(url: str | None, events: tuple[str, ...] | None) -> None:
    if url is not None and (problem := url_problem(url)) is not None:
        raise ValidationFailed(f"url: {problem}", errors={"url": [problem]})
    if events is not None and (unknown := names.unknown(events)):
        raise UnknownEventName(unknown, list(names.ALL_NAMES))


def _webhook(tx: Tx, org_id: str, webhook_id: str, if_match: str | None) -> tuple[Row, int]:
    webhook = tx.state.webhook(org_id, webhook_id)
    if webhook is None:
        raise WebhookNotFound(webhook_id)
    return webhook, matched_version(tx, webhook_stream(webhook_id), if_match)


@dataclass(frozen=True)
class CreateWebhook(Command[Row]):
    """The result holds the secret: the only answer that ever does."""

    org_id: str
    url: str
    events: tuple[str, ...]
    description: str | None = None

    def check(self, ctx: Context) -> None:
        _check(self.url, self.events)

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        webhook_id, secret = new_id(), new_secret()
        [stored] = tx.append(webhook_stream(webhook_id), 0, [ev.WebhookCreated(
            webhook_id, self.org_id, self.url, list(dict.fromkeys(self.events)),
            self.description)], org_id=self.org_id, metadata=meta)
        tx.state.start_webhook(webhook_id, self.org_id, secret, stored.seq, stored.recorded_at)
        webhook = tx.state.webhook(self.org_id, webhook_id)
        assert webhook is not None
        return {**webhook, "secret": secret}


@dataclass(frozen=True)
class UpdateWebhook(Command[Row]):
    org_id: str
    webhook_id: str
    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    description_given: bool = False  # a null description clears it
    if_match: str | None = None

    def check(self, ctx: Context) -> None:
        _check(self.url, self.events)

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        webhook, version = _webhook(tx, self.org_id, self.webhook_id, self.if_match)
        wanted: Row = {}
        if self.url is not None:
            wanted["url"] = self.url
        if self.events is not None:
            wanted["events"] = list(dict.fromkeys(self.events))
        if self.description_given:
            wanted["description"] = self.description
        changes = {k: v for k, v in wanted.items() if webhook[k] != v}
        if changes:
            tx.append(webhook_stream(self.webhook_id), version, [ev.WebhookUpdated(
                self.webhook_id, changes, {k: webhook[k] for k in changes})],
                org_id=self.org_id, metadata=meta)
            if "url" in changes or "events" in changes:
                tx.state.bump_webhook_generation(self.webhook_id)
        changed = tx.state.webhook(self.org_id, self.webhook_id)
        assert changed is not None
        return changed


@dataclass(frozen=True)
class DeleteWebhook(Command[Row]):
    org_id: str
    webhook_id: str
    if_match: str | None = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        _, version = _webhook(tx, self.org_id, self.webhook_id, self.if_match)
        tx.append(webhook_stream(self.webhook_id), version,
                  [ev.WebhookDeleted(self.webhook_id)], org_id=self.org_id, metadata=meta)
        tx.state.drop_webhook_state(self.webhook_id)
        return {"id": self.webhook_id}


@dataclass(frozen=True)
class ReplayWebhook(Command[Row]):
    """Deliver again from `from_seq` (the handler has checked it is not past the head)."""

    org_id: str
    webhook_id: str
    from_seq: int

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        _, version = _webhook(tx, self.org_id, self.webhook_id, None)
        tx.append(webhook_stream(self.webhook_id), version, [ev.WebhookReplayed(
            self.webhook_id, self.from_seq)], org_id=self.org_id, metadata=meta)
        tx.state.rewind_webhook(self.webhook_id, self.from_seq - 1)
        return {"id": self.webhook_id, "from_seq": self.from_seq, "status": "REPLAYING"}
