"""The delivery worker: a background task per process that delivers every subscription
it holds, in log order, at least once.

Each subscription has a durable position in the log (the last event handled) and the
retry state of the event it waits on, in a side table: a restart resumes where it
stopped. A subscription is delivered by one replica at a time: the worker leases it
(`lease_owner`, `lease_until`, LEASE_SECONDS, renewed at half-time and by every
delivery it records) and every write it makes is compare-and-set on its lease and the
subscription's generation, so a replica that lost the lease, or a position moved by a
replay or a changed subscription, records nothing and stops. A stopped worker releases
its leases; a crashed one's run out, and another replica takes them over.

Per subscription, events go one after another: an event that fails waits, with the
events after it, for its retry (the first after `webhook_retry_base_seconds`, then each
twice as long, +-20 % jitter, at most an hour apart); an event still failing
`webhook_retry_hours` after its first attempt is marked failed and the subscription
moves on. The worker wakes on this process's commits (a commit listener), on another
process's or replica's (the store's change marker, checked every WATCH_SECONDS), on a
due retry, and every `webhook_poll_seconds` whatever happens.
"""

import asyncio
import contextlib
import logging
import random
import time

from events import StorageUnavailable, StoredEvent
from projections import Backend
from service.ids import new_id
from service.metrics import Metrics
from service.settings import Settings
from service.webhooks.attempts import Attempts
from service.webhooks.state import Attempt, Held, epoch, iso, record, recorded

logger = logging.getLogger("custom_fields.webhooks")
LEASE_SECONDS = 30.0
WATCH_SECONDS = 0.05
BATCH = 100  # events read at a time per subscription
ADVANCE_GAP = 1000  # a position this far behind the head with nothing to deliver moves up
PRUNE_EVERY = 3600.0
STOPPING = ("WebhookUpdated", "WebhookDeleted", "WebhookReplayed")


class Worker:
    def __init__(self, backend: Backend, settings: Settings, metrics: Metrics | None = None,
                 rng: random.Random | None = None) -> None:
        self.owner = new_id()
        self._backend = backend
        self._settings = settings
        self._wake = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running: dict[str, Held] = {}
        self._news: set[str] = set()    # running: more events may be pending
        self._reload: set[str] = set()  # running: look at its stored state once done
        self._stale: set[str] = set()   # running: changed, deleted or replayed: stop now
        self._head_seen = -1
        self._look_for_new = True  # a subscription may have been made (or freed) since
        self._due: dict[str, float] = {}
        self._renew_at = 0.0
        self._holding = 0
        self._pruned_at = 0.0
        self._background: list[asyncio.Task[None]] = []
        self._attempts = Attempts(settings, metrics, rng or random.Random(), LEASE_SECONDS)

    # --- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._attempts.open()
        self._backend.store.commit_listeners.append(self.committed)
        loop = asyncio.get_running_loop()
        self._background = [loop.create_task(self._run(), name="webhook worker"),
                            loop.create_task(self._watch(), name="webhook change watch")]

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self._backend.store.commit_listeners.remove(self.committed)
        tasks = [*self._background, *self._tasks.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._background, self._tasks = [], {}
        try:
            owner = self.owner
            await asyncio.wait_for(self._backend.store.write(
                lambda tx: tx.state.release_webhooks(owner)), 2.0)
        except Exception as exc:  # the leases run out by themselves
            logger.warning("webhook leases not released (%s); they expire in %ss", exc,
                           LEASE_SECONDS)
        await self._attempts.close()

    def wake(self) -> None:
        """Look again now (a write that moved a position, or a new subscription)."""
        self._wake.set()

    def committed(self, events: list[StoredEvent]) -> None:
        """This process's commit: the subscriptions being delivered read on; a cycle
        runs when one is idle or a subscription changed."""
        self._head_seen = max(self._head_seen, events[-1].seq)
        self._stale.update(e.data["webhook_id"] for e in events
                           if e.type in STOPPING and e.data["webhook_id"] in self._tasks)
        if any(e.type.startswith("Webhook") for e in events):
            self._look_for_new = True
            self._wake.set()
        elif len(self._tasks) + len(self._due) < self._holding:
            self._wake.set()
        else:
            self._news.update(self._tasks)

    # --- the loop -----------------------------------------------------------------------------

    async def _watch(self) -> None:
        """Another process's or replica's commits: the store's change marker moved and
        the head with it."""
        store = self._backend.store
        marker = store.change_marker()
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            current = store.change_marker()
            if current == marker:
                continue
            marker = current
            with contextlib.suppress(Exception):  # the database away: the poll goes on
                head = (await store.head()).seq
                if head > self._head_seen:
                    self._head_seen = head
                    self._look_for_new = True
                    self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._timeout())
            except TimeoutError:  # the poll, or a due retry
                self._look_for_new = True
            self._wake.clear()
            try:
                await self._cycle()
            except StorageUnavailable as exc:
                logger.warning("webhook deliveries wait for the database: %s", exc)
                await asyncio.sleep(min(1.0, self._settings.webhook_poll_seconds))
            except Exception:
                logger.exception("webhook cycle failed; trying again")
                await asyncio.sleep(min(1.0, self._settings.webhook_poll_seconds))

    def _timeout(self) -> float:
        soonest = min([self._renew_at if self._holding else float("inf"),
                       *self._due.values()])
        return max(0.0, min(self._settings.webhook_poll_seconds, soonest - time.time()))

    async def _cycle(self) -> None:
        store, queries, now = self._backend.store, self._backend.queries, time.time()
        renew = self._holding and now >= self._renew_at
        look, self._look_for_new = self._look_for_new, False
        if renew or (look and await queries.claimable_webhooks(iso(now))):  # no idle writes
            owner, until = self.owner, iso(now + LEASE_SECONDS)
            await store.write(lambda tx: tx.state.claim_webhooks(owner, iso(now), until))
            self._renew_at = now + LEASE_SECONDS / 2
        if now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            cutoff = iso(now - self._settings.webhook_delivery_retention_days * 86400)
            await store.write(lambda tx: tx.state.forget_webhook_deliveries_before(cutoff))
        held = await queries.held_webhooks(self.owner)
        self._holding = len(held)
        ids = {row["id"] for row in held}
        self._due = {k: v for k, v in self._due.items() if k in ids}
        generations = {row["id"]: row["generation"] for row in held}
        self._stale.update(i for i, h in self._running.items()
                           if generations.get(i) != h.generation)
        for row in held:
            if row["id"] in self._tasks:
                self._reload.add(row["id"])
                self._due.pop(row["id"], None)
                continue
            subscription = Held.of(row)
            due = epoch(row["next_attempt_at"]) if row["next_attempt_at"] else now
            if due > now:
                self._due[subscription.id] = due
                continue
            self._due.pop(subscription.id, None)
            self._running[subscription.id] = subscription
            self._tasks[subscription.id] = asyncio.get_running_loop().create_task(
                self._serve(subscription), name=f"webhook {subscription.id}")

    # --- one subscription -------------------------------------------------------------------

    async def _serve(self, held: Held) -> None:
        """Deliver what is pending, then end; the next cycle starts it again from the
        stored state when that may have moved (a replay, a change, a lost lease)."""
        again = False
        try:
            again = await self._drain(held)
        except Exception as exc:  # the database away, say: the next cycles try again
            logger.warning("webhook %s: deliveries paused (%s: %s)", held.id,
                           type(exc).__name__, exc)
        finally:
            self._tasks.pop(held.id, None)
            self._running.pop(held.id, None)
            again = again or held.id in self._reload or held.id in self._stale
            for flags in (self._news, self._reload, self._stale):
                flags.discard(held.id)
            if again:
                self._wake.set()

    async def _drain(self, held: Held) -> bool:
        """Deliver the pending events in order; whether to look again at once. Attempts
        are recorded while the next events are sent (those made during one write go
        in the next); a write that finds the lease or the generation moved stops the
        drain, and the events sent meanwhile go again: at least once."""
        store, owner = self._backend.store, self.owner
        writing: asyncio.Future[bool] | None = None
        queued: list[Attempt] = []

        async def flush() -> bool:
            nonlocal writing, queued
            if writing is not None:
                saved, writing = await writing, None
                if not saved:
                    return False
            if queued:
                attempts, queued = queued, []
                writing = asyncio.ensure_future(store.write(recorded(held, owner, attempts)))
            return True

        try:
            while held.types:
                self._news.discard(held.id)
                pending = await store.read_events(after=held.position, org_id=held.org_id,
                                                  types=held.types, limit=BATCH)
                if not pending:
                    if not (await flush() and await flush() and await self._advance(held)):
                        return True
                    if held.id in self._news:
                        continue
                    return False
                for stored in pending:
                    if held.id in self._stale:  # what was sent is recorded, if it may be
                        await flush() and await flush()
                        return True
                    done = await self._attempts.attempt(held, stored)
                    queued.append(done)
                    if done.next_at is not None:  # this event, and the ones after it, wait
                        if not (await flush() and await flush()):
                            return True
                        self._due[held.id] = done.next_at
                        return False
                    if writing is None or writing.done():
                        if not await flush():
                            return True
            return False
        finally:
            if writing is not None and not writing.done():
                writing.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def _advance(self, held: Held) -> bool:
        """Move a position far behind the head over events it does not take, so the
        reads stay short; False if the stored state moved meanwhile."""
        if held.attempt or self._head_seen - held.position < ADVANCE_GAP:
            return True
        store = self._backend.store
        head = (await store.head()).seq
        if await store.read_events(after=held.position, until_seq=head, org_id=held.org_id,
                                   types=held.types, limit=1):
            return True  # committed since: the next read takes it
        if not await store.write(record(held, self.owner, {"position": head})):
            return False
        held.position = head
        return True
