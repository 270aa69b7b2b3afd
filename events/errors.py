"""Errors raised by the event store."""


class EventStoreError(Exception):
    """Base class for event store failures."""


class ConcurrencyConflict(EventStoreError):
    """A writer appended with a stale expected stream version."""

    def __init__(self, stream_id: str, expected_version: int) -> None:
        super().__init__(f"stream {stream_id!r} has moved past version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class UnknownEventType(EventStoreError):
    """The log holds a type this code does not declare."""
