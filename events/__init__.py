"""The event store: event types and their versions, the envelope, the store's interface
(`events.ports`) and its backends (`events.sqlite`).

Nothing here knows about projections or HTTP; `projections` and `service` build on it.
"""

from events.envelope import Metadata, Replayed, StoredEvent
from events.errors import (
                           ConcurrencyConflict,
                           EventStoreError,
                           IntegrityViolation,
                           StorageError,
                           StorageUnavailable,
)
from events.ports import EventStore, Head, WriteTransaction
from events.types import Event, event_class

__all__ = [
    "ConcurrencyConflict",
    "Event",
    "EventStore",
    "EventStoreError",
    "Head",
    "IntegrityViolation",
    "Metadata",
    "Replayed",
    "StorageError",
    "StorageUnavailable",
    "StoredEvent",
    "WriteTransaction",
    "event_class",
]
