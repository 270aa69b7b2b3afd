"""sqlite3's errors as the store's neutral ones, decided by error class and code."""

import sqlite3

from events.errors import EventStoreError, IntegrityViolation, StorageError, StorageUnavailable

# primary result codes (the low byte of an extended code) that a retry may get past
_TRANSIENT = {
    5,   # SQLITE_BUSY
    6,   # SQLITE_LOCKED
    10,  # SQLITE_IOERR
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
    8,   # SQLITE_READONLY
}


def translate(exc: BaseException) -> BaseException:
    """The neutral error for a sqlite3 error (caused by it); any other exception as it
    is."""
    if not isinstance(exc, sqlite3.Error):
        return exc
    if isinstance(exc, sqlite3.IntegrityError):
        neutral: EventStoreError = IntegrityViolation(str(exc))
    elif (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in _TRANSIENT:
        neutral = StorageUnavailable(str(exc))
    else:
        neutral = StorageError(str(exc))
    neutral.__cause__ = exc
    return neutral
