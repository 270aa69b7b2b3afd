"""The event store: event types and their versions, the envelope, and the SQLite log.

Nothing here knows about projections or HTTP; `projections` and `service` build on it.
"""

from events.envelope import Metadata, StoredEvent
from events.errors import ConcurrencyConflict, EventStoreError
from events.store import EventStore, WriteTransaction
from events.types import Event, event_class

__all__ = [
    "ConcurrencyConflict",
    "Event",
    "EventStore",
    "EventStoreError",
    "Metadata",
    "StoredEvent",
    "WriteTransaction",
    "event_class",
]
