"""psycopg's errors as the store's neutral ones, decided by SQLSTATE class, never by
message text."""

import psycopg
import psycopg_pool

from events.errors import EventStoreError, IntegrityViolation, StorageError, StorageUnavailable

# SQLSTATE classes and codes that a retry later may get past
_TRANSIENT_CLASSES = ("08", "53", "57")  # connection, insufficient resources, operator
_TRANSIENT_CODES = {"40001", "40P01", "55P03", "55006"}  # serialization, deadlock, locks


def _one_line(exc: BaseException) -> str:
    """libpq's message on one line (it adds a tab-indented hint line)."""
    return " ".join(str(exc).split())


def translate(exc: BaseException) -> BaseException:
    """The neutral error for a psycopg error (caused by it); any other exception as it
    is."""
    if isinstance(exc, psycopg_pool.PoolTimeout):
        neutral: EventStoreError = StorageUnavailable(
            "no database connection within the pool's timeout")
    elif not isinstance(exc, psycopg.Error):
        return exc
    else:
        state = exc.sqlstate or ""
        if isinstance(exc, psycopg.IntegrityError) or state.startswith("23"):
            neutral = IntegrityViolation(_one_line(exc))
        elif (not state and isinstance(exc, psycopg.OperationalError)) \
                or state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT_CODES:
            neutral = StorageUnavailable(_one_line(exc) or "the database is unreachable")
        else:
            neutral = StorageError(_one_line(exc))
    neutral.__cause__ = exc
    return neutral
