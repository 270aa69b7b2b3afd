"""Making attempts: the HTTP client the worker sends with (aiohttp's ClientSession on a
connector that resolves names through `CheckingResolver`, no cookies kept, the
delivery timeout), and one attempt: sent, its outcome taken as the subscription's
state, counted in the metrics and logged."""

import logging
import random
import time

import aiohttp
from prometheus_client import Counter, Histogram

from events import StoredEvent
from service.metrics import Metrics
from service.settings import Settings
from service.webhooks import delivery
from service.webhooks.ssrf import CheckingResolver
from service.webhooks.state import Attempt, Held, after_attempt, iso

logger = logging.getLogger("custom_fields.webhooks")


class Attempts:
    def __init__(self, settings: Settings, metrics: Metrics | None, rng: random.Random,
                 lease_seconds: float) -> None:
        self._settings = settings
        self._rng = rng
        self._lease_seconds = lease_seconds
        self._session: aiohttp.ClientSession | None = None
        registry = (metrics or Metrics()).registry
        self._counted = Counter("webhook_deliveries_total", "Webhook delivery attempts",
                                ["state"], registry=registry)
        self._timed = Histogram("webhook_delivery_duration_seconds",
                                "Time to send a webhook and read its answer", registry=registry,
                                buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))

    def open(self) -> None:
        settings = self._settings
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                resolver=CheckingResolver(settings.webhook_allow_private),
                use_dns_cache=False, limit=100),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_seconds))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def attempt(self, held: Held, stored: StoredEvent) -> Attempt:
        """Send the event; its outcome, already taken as `held`'s state (the caller
        writes its record)."""
        assert self._session is not None, "not open"
        settings = self._settings
        started = time.time()
        sent = await delivery.send(self._session, held.url, held.secret, stored,
                                   allow_private=settings.webhook_allow_private,
                                   timeout=settings.webhook_timeout_seconds)
        now = time.time()
        done = after_attempt(held, stored, sent, started, now, settings, self._rng,
                             now + self._lease_seconds)
        held.position, held.attempt = done.changes["position"], done.changes["attempt"]
        held.failing_since = done.changes["failing_since"]
        self._counted.labels(done.state).inc()
        self._timed.observe(sent.duration_us / 1e6)
        why = sent.error or sent.status_code
        if done.next_at is not None:
            logger.info("webhook %s: event %s failed (%s), attempt %s; retrying at %s",
                        held.id, stored.seq, why, done.row["attempt"], iso(done.next_at))
        elif done.state == "failed":
            logger.warning("webhook %s: event %s failed for good after %s attempts (%s)",
                           held.id, stored.seq, done.row["attempt"], why)
        return done
