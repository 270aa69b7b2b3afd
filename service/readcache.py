"""Answers cached until the database changes.

An answer is reused only while the store's change marker (`EventStore.change_marker`:
moves whenever any writer, in this process or another, commits) is what it was when
the answer was computed, so a write by this server or by the CLI invalidates everything
at once. Used for API-key lookups and for read answers that cost several queries.
"""

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from service.lru import LRU


class ReadCache:
    """A bounded LRU of (change marker, value) by key."""

    def __init__(self, marker: Callable[[], Any], size: int = 4096) -> None:
        self._marker = marker
        self._entries: LRU[tuple[Any, Any]] = LRU(size)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        marker = self._marker()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == marker:
            return entry[1]
        value = await compute()
        self._entries.put(key, (marker, value))
        return value
