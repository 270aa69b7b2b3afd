"""What the delivery worker knows of a subscription it holds, how an attempt changes
it (pure: the retry schedule and when to give up), and the write units that record it
compare-and-set on the lease and the generation."""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events import StoredEvent
from events.clock import FORMAT
from service.commands.base import Tx
from service.ids import new_id
from service.settings import Settings
from service.webhooks import names
from service.webhooks.delivery import Sent

MAX_DELAY = 3600.0  # seconds: the doubling stops at an hour between attempts
Row = dict[str, Any]


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime(FORMAT)


def epoch(text: str) -> float:
    return datetime.strptime(text, FORMAT).replace(tzinfo=UTC).timestamp()


def retry_delay(attempt: int, base: float, rng: random.Random) -> float:
    """The wait after failed attempt number `attempt` (1, 2, ...): base, then doubling,
    at most MAX_DELAY, with +-20 % jitter."""
    return min(base * 2 ** (attempt - 1), MAX_DELAY) * rng.uniform(0.8, 1.2)


@dataclass
class Held:
    """A subscription the worker holds, as it last read or wrote it."""

    id: str
    org_id: str
    url: str
    secret: str
    types: list[str]
    position: int
    generation: int
    attempt: int
    failing_since: str | None

    @classmethod
    def of(cls, row: Row) -> "Held":
        return cls(row["id"], row["org_id"], row["url"], row["secret"],
                   names.type_names(row["events"]), row["position"], row["generation"],
                   row["attempt"], row["failing_since"])


@dataclass(frozen=True)
class Attempt:
    """An attempt's outcome: its state, the position and retry state it leaves, the
    delivery row to record, and when to try again (retrying only)."""

    state: str  # delivered, retrying or failed
    changes: Row
    row: Row
    next_at: float | None


def after_attempt(held: Held, stored: StoredEvent, sent: Sent, started: float, now: float,
                  settings: Settings, rng: random.Random, lease_until: float) -> Attempt:
    attempt = held.attempt + 1
    failing_since = held.failing_since or iso(started)
    next_at: float | None = None
    if sent.ok:
        state = "delivered"
    else:
        delay = retry_delay(attempt, settings.webhook_retry_base_seconds, rng)
        give_up_at = epoch(failing_since) + settings.webhook_retry_hours * 3600
        state, next_at = ("failed", None) if now + delay > give_up_at else (
            "retrying", now + delay)
    moves_on = next_at is None
    changes = {"position": stored.seq if moves_on else held.position,
               "attempt": 0 if moves_on else attempt,
               "failing_since": None if moves_on else failing_since,
               "next_attempt_at": None if next_at is None else iso(next_at),
               "lease_until": iso(lease_until)}
    row = {"id": new_id(), "webhook_id": held.id, "seq": stored.seq,
           "event_id": stored.event_id, "event": names.name_of(stored.type),
           "attempt": attempt, "status_code": sent.status_code,
           "duration_us": sent.duration_us, "error": sent.error, "state": state,
           "next_retry_at": changes["next_attempt_at"], "attempted_at": iso(started)}
    return Attempt(state, changes, row, next_at)


def record(held: Held, owner: str, changes: Row, deliveries: Sequence[Row] = ()
           ) -> Callable[[Tx], bool]:
    """A unit saving the position (and the attempts that led to it) if `owner` still
    holds the lease of the subscription's generation; whether it did."""
    def unit(tx: Tx) -> bool:
        saved = tx.state.save_webhook_cursor(held.id, owner, held.generation, changes)
        if saved:
            for row in deliveries:
                tx.state.add_webhook_delivery(row)
        return saved
    return unit


def recorded(held: Held, owner: str, attempts: Sequence[Attempt]) -> Callable[[Tx], bool]:
    """A unit recording attempts made one after another: each row, and the state the
    last one left."""
    return record(held, owner, attempts[-1].changes, [a.row for a in attempts])
