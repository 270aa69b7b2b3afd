"""The event store's interface: what commands, projections and the CLI may ask of a log.

Modelled on pyeventsourcing's recorders: a write is a *unit*, a synchronous function
given a `WriteTransaction`; it reads what it decides on through `tx.state` (decision
queries supplied by the projections of the same backend), appends events with an
expected stream version, and every event is projected inside the same transaction.
No connection ever leaves a backend.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, Generic, NamedTuple, TypeVar

from events.envelope import Metadata, StoredEvent
from events.types import Event

S = TypeVar("S")  # the decision queries a backend's projections offer inside a write
T = TypeVar("T")


class Head(NamedTuple):
    """The end of the log: last sequence number, its hash, its recorded time."""

    seq: int
    hash: str
    recorded_at: str


class WriteTransaction(ABC, Generic[S]):
    """One unit's view of the open write transaction."""

    state: S
    appended: list[StoredEvent]

    @abstractmethod
    def stream_version(self, stream_id: str) -> int:
        """The stream's current version (0 for a stream with no events)."""

    @abstractmethod
    def append(self, stream_id: str, expected_version: int | None, events: Iterable[Event],
               *, org_id: str | None, metadata: Metadata | None = None) -> list[StoredEvent]:
        """Append events to a stream whose current version must be `expected_version`
        (`None`: whatever it is now, for streams with a single writer). A stale or future
        version raises ConcurrencyConflict; an append is whole or absent."""


CommitListener = Callable[[list[StoredEvent]], None]


class EventStore(ABC, Generic[S]):
    """The log of one backend, with its inline projectors."""

    commit_listeners: list[CommitListener]

    @abstractmethod
    async def open(self) -> "EventStore[S]": ...

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> "EventStore[S]":
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @abstractmethod
    async def write(self, unit: Callable[[WriteTransaction[S]], T]) -> T:
        """Run `unit` in a write transaction; its result once committed, or its error."""

    @abstractmethod
    async def read_events(self, *, after: int = 0, before: int | None = None,
                          until_seq: int | None = None, since_time: str | None = None,
                          until_time: str | None = None, org_id: str | None = None,
                          stream_id: str | None = None, field_id: str | None = None,
                          types: list[str] | None = None, descending: bool = False,
                          limit: int | None = None) -> list[StoredEvent]:
        """Events in sequence order (or reverse), filtered; `field_id` matches the
        `field_id` of the event's data."""

    @abstractmethod
    async def stream_events(self, stream_id: str) -> list[StoredEvent]: ...

    @abstractmethod
    async def head(self) -> Head: ...

    @abstractmethod
    def change_marker(self) -> Any:
        """A value that changes whenever any writer (this process or another) has
        committed: read caches keep an answer only while it stays the same. Cheap."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise unless the database answers."""
