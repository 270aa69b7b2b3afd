"""Choosing the backend: the one place that knows which databases exist.

`--db` / `CUSTOM_FIELDS_DB` is a SQLite file path (the embedded default); a
`postgresql://` URL is refused with a clear message until that backend exists.
"""

from projections import Backend
from projections.sqlite import SqliteBackend
from service.errors import BadRequest
from service.settings import Settings

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def make_backend(settings: Settings) -> Backend:
    if settings.db.startswith(POSTGRES_SCHEMES):
        raise BadRequest("PostgreSQL is not supported yet: --db takes a SQLite file path",
                         code="UNSUPPORTED_DATABASE")
    return SqliteBackend(settings.db, synchronous=settings.synchronous,
                         readers=settings.readers)
