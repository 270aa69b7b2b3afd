"""The webhooks projection: one row per live subscription, from its events.

Like every projector handler, a pure function of the event: the secret, the position in
the log and the deliveries are not projections (they live in side tables written by the
commands and the delivery worker), so a rebuild never touches them.
"""

import json

from events import types as ev
from projections.projector import Conn, Projected, handles


@handles(ev.WebhookCreated)
def _webhook_created(conn: Conn, e: ev.WebhookCreated, s: Projected) -> None:
    conn.execute(
        "INSERT INTO webhooks (id, org_id, url, events, description, created_at, updated_at,"
        " version) VALUES (?,?,?,?,?,?,?,?)",
        (e.webhook_id, e.org_id, e.url, json.dumps(e.events), e.description, s.recorded_at,
         s.recorded_at, s.version))


@handles(ev.WebhookUpdated)
def _webhook_updated(conn: Conn, e: ev.WebhookUpdated, s: Projected) -> None:
    values = {k: v for k, v in e.changes.items() if k in ("url", "events", "description")}
    if "events" in values:
        values["events"] = json.dumps(values["events"])
    values.update(updated_at=s.recorded_at, version=s.version)
    columns = sorted(values)
    conn.execute(f"UPDATE webhooks SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                 [values[c] for c in columns] + [e.webhook_id])


@handles(ev.WebhookReplayed)
def _webhook_replayed(conn: Conn, e: ev.WebhookReplayed, s: Projected) -> None:
    """Not a change of the subscription: only its stream's version (its ETag) moves."""
    conn.execute("UPDATE webhooks SET version = ? WHERE id = ?", (s.version, e.webhook_id))


@handles(ev.WebhookDeleted)
def _webhook_deleted(conn: Conn, e: ev.WebhookDeleted, s: Projected) -> None:
    conn.execute("DELETE FROM webhooks WHERE id = ?", (e.webhook_id,))
