"""The store's neutral errors: what every backend raises, whatever its database says.

Each backend translates its driver's errors into these at the transaction boundary
(by error class and code, never by message text), so nothing above `events/` and
`projections/` knows which database it runs on.
"""


class EventStoreError(Exception):
    """Base class for event store failures."""


class ConcurrencyConflict(EventStoreError):
    """A writer appended with a stale (or future) expected stream version."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id!r} is not at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class IntegrityViolation(EventStoreError):
    """A write broke a constraint of the database (a unique key of a projection table,
    say) that the command layer should have refused first; nothing of it was kept."""


class StorageUnavailable(EventStoreError):
    """The database cannot be used right now (busy past the timeout, disk full, gone);
    a retry later may succeed."""


class StorageError(EventStoreError):
    """Any other database failure."""


class SchemaTooNew(StorageError):
    """The database's schema was migrated by a later version of the program."""


class UnknownEventType(EventStoreError):
    """The log holds a type this code does not declare."""
