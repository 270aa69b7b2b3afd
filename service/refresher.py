"""The background recomputation of resolved values (`service.resolved`): a task per
process that brings the stored bodies of a connector's rows up to date with its plan.

It is asked to by this process's commits (a commit listener): a sync refreshes the
synced (connector, category, model), a change to a field, an option or a mapping every
synced scope of the organization. A values read that met stale rows asks too, which
covers another replica's commits and a restart. Work waits for a pause in those
requests (QUIET_SECONDS, at most MAX_WAIT_SECONDS), so a burst of syncs is not slowed
by recomputing between its calls, and runs CHUNK rows at a time, yielding the event
loop in between, so reads stay quick meanwhile. What it writes is only ever served
under the plan it was computed with: a change to the organization's fields, options or
mappings mid-way stops the pass and the next one starts again, and nothing stale is
served meanwhile (reads evaluate such rows).
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from events import StorageUnavailable, StoredEvent
from projections import Backend
from service import resolved
from service.jmes import ExpressionCache

logger = logging.getLogger("custom_fields.resolved")
QUIET_SECONDS = 1.0
MAX_WAIT_SECONDS = 10.0
BATCH = 500  # rows read and written at a time
CHUNK = 20   # rows evaluated between two yields of the event loop
PLAN_EVENTS = ("Field", "Option", "Mapping")

Request = tuple[str, str | None]  # (organization, connector or None: all of its connectors)


class Refresher:
    def __init__(self, backend: Backend, expressions: ExpressionCache) -> None:
        self._backend, self._expressions = backend, expressions
        self._pending: set[Request] = set()
        self._first_at = self._last_at = 0.0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._backend.store.commit_listeners.append(self.committed)
        self._task = asyncio.get_running_loop().create_task(self._run(),
                                                            name="resolved values")

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        """The app's cleanup context: appended after the backend's, so it starts once the
        backend is open and stops before it closes."""
        await self.start()
        yield
        await self.stop()

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self._backend.store.commit_listeners.remove(self.committed)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def committed(self, events: list[StoredEvent]) -> None:
        for event in events:
            if event.org_id is None:
                continue
            if event.type == "ConnectorSynced":
                self.request(event.org_id, event.data["connector_id"])
            elif event.type.startswith(PLAN_EVENTS):
                self.request(event.org_id, None)

    def request(self, org_id: str, connector_id: str | None) -> None:
        now = time.monotonic()
        if not self._pending:
            self._first_at = now
        self._pending.add((org_id, connector_id))
        self._last_at = now
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            while (wait := self._wait()) > 0:
                await asyncio.sleep(wait)
            self._wake.clear()
            pending, self._pending = self._pending, set()
            for org_id, connector_id in sorted(pending, key=lambda r: (r[0], r[1] or "")):
                if connector_id is not None and (org_id, None) in pending:
                    continue  # the whole organization is refreshed anyway
                try:
                    for scope in await self._backend.queries.synced_scopes(org_id,
                                                                           connector_id):
                        await self.refresh(org_id, scope)
                except StorageUnavailable as exc:
                    logger.warning("resolved values wait for the database: %s", exc)
                    self.request(org_id, connector_id)
                    await asyncio.sleep(1.0)
                except Exception:  # one organization's failure stops no other's
                    logger.exception("resolved values of %s not refreshed", org_id)

    def _wait(self) -> float:
        now = time.monotonic()
        return min(self._last_at + QUIET_SECONDS, self._first_at + MAX_WAIT_SECONDS) - now

    async def refresh(self, org_id: str, scope: dict[str, Any]) -> int:
        """Store the bodies of every stale row of one (connector, category, model) under
        its current plan; the number of rows written."""
        queries, store = self._backend.queries, self._backend.store
        connector = {"id": scope["id"], "integration_slug": scope["integration_slug"]}
        category, model = scope["category"], scope["model"]
        current = resolved.plan(await queries.configuration(org_id, connector, category,
                                                            model))
        written, after = 0, None
        while stale := await queries.stale_resolved(scope["id"], category, model,
                                                    current.text, after, BATCH):
            rows = []
            for start in range(0, len(stale), CHUNK):
                chunk = stale[start:start + CHUNK]
                for record, body in zip(chunk, resolved.bodies(self._expressions, model,
                                                               current, chunk), strict=True):
                    rows.append({"connector_id": scope["id"], "category": category,
                                 "model": model, "remote_id": record["remote_id"],
                                 "digest": record["digest"], "synced_at": record["synced_at"],
                                 "plan": current.text, "body": body})
                await asyncio.sleep(0)
            await store.write(_storing(rows))
            written += len(rows)
            after = stale[-1]["remote_id"]
            if (org_id, None) in self._pending:  # the plan may have changed: start again
                break
        return written


def _storing(rows: list[dict[str, Any]]) -> Callable[[Any], None]:
    """The write unit that stores these bodies (no event: derived data)."""
    return lambda tx: tx.state.store_resolved_records(rows)
