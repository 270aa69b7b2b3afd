"""Timestamps: the one text form of a moment in the log and in both APIs.

UTC with microseconds and a `Z` (`2026-12-01T09:30:00.000000Z`): fixed width, so the
text sorts as the time does, which the log's time filters rely on.
"""

from datetime import UTC, datetime, timedelta

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso_utc(moment: datetime) -> str:
    """The text form of `moment`; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(FORMAT)


def utc_now() -> str:
    return datetime.now(UTC).strftime(FORMAT)


def utc_ago(delta: timedelta) -> str:
    """The moment `delta` before now, as text (for expiry cut-offs)."""
    return (datetime.now(UTC) - delta).strftime(FORMAT)
