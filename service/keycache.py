"""API-key lookups kept until the keys may have changed, not until anything changed.

Every request authenticates; with the general read cache (`service.readcache`), any
commit (a field created, a row synced) made every caller's next request look its key up
again. Keys change only through their events, so this cache is cleared:

- at once by this process's commits of a key or organization event (a commit listener);
- when another process or replica has committed anything: the store's change marker
  moved and the log's head is past every event this process has seen, so what was
  committed is unknown and every entry goes. One check of the head per movement of the
  marker, shared by the requests that meet it, instead of one lookup per request;
- when the marker moved and the entries are older than RECHECK_SECONDS: the tables can
  change without an event (a `rebuild` that repaired them, a restore), and such a
  change is seen within that time.

A revocation is therefore seen as soon as the general cache would have seen it: by this
process at its commit, by others at their next request after the marker moved.
Unknown keys are kept too (as None), in the same bounded LRU, so a flood of bad keys
costs lookups only until each is known.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from events import EventStore, StoredEvent
from service.lru import LRU

KEY_EVENTS = frozenset({"ApiKeyIssued", "ApiKeyRevoked", "OrganizationCreated"})
RECHECK_SECONDS = 1.0
PATIENCE_SECONDS = 0.05  # a check in flight longer than this is not waited for by others


class KeyCache:
    def __init__(self, store: EventStore[Any], size: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store, self._clock = store, clock
        self._entries: LRU[Any] = LRU(size)
        self._marker: Any = object()  # nothing checked yet
        self._seen = -1               # the last sequence number this process knows of
        self._check: asyncio.Future[None] | None = None
        self._check_started = 0.0
        self._generation = 0  # moved by every clear: a lookup begun before it is not kept
        self._cleared_at = clock()

    def _clear(self) -> None:
        self._entries.clear()
        self._generation += 1
        self._cleared_at = self._clock()

    def committed(self, events: list[StoredEvent]) -> None:
        """This process's commit (a commit listener)."""
        if any(event.type in KEY_EVENTS for event in events):
            self._clear()
        self._seen = max(self._seen, events[-1].seq)

    async def get(self, key_hash: str, lookup: Callable[[], Awaitable[Any]]) -> Any:
        marker = self._store.change_marker()
        if marker != self._marker:
            await self._revalidate(marker)
        found = self._entries.get(key_hash, _MISSING)
        if found is _MISSING:
            generation = self._generation
            found = await lookup()
            if generation == self._generation:
                self._entries.put(key_hash, found)
        return found

    async def _revalidate(self, marker: Any) -> None:
        check = self._check
        if check is None or self._clock() - self._check_started > PATIENCE_SECONDS:
            # none in flight, or one stuck (a connection being re-established): a new one
            check = self._check = asyncio.ensure_future(self._compare_head(marker))
            self._check_started = self._clock()
        try:
            await asyncio.shield(check)
        finally:
            if self._check is check and check.done():
                self._check = None

    async def _compare_head(self, marker: Any) -> None:
        head = (await self._store.head()).seq
        # written by someone else (or before this process started), or entries to recheck
        if head > self._seen or self._clock() - self._cleared_at >= RECHECK_SECONDS:
            self._clear()
            self._seen = max(self._seen, head)
        self._marker = marker


_MISSING = object()
