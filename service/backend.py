"""Choosing the backend: the one place that knows which databases exist.

`--db` / `CUSTOM_FIELDS_DB` is a SQLite file path (the embedded default) or a
`postgresql://user@host:port/dbname` URL (libpq's URL form: `?options=-csearch_path=s`
chooses a schema, a password may come from `PGPASSWORD` or `~/.pgpass`).
"""

from projections import Backend
from projections.postgres import PostgresBackend
from projections.sqlite import SqliteBackend
from service.settings import Settings

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str) -> bool:
    return db.startswith(POSTGRES_SCHEMES)


def make_backend(settings: Settings) -> Backend:
    if is_postgres(settings.db):
        return PostgresBackend(settings.db, readers=max(2, settings.readers),
                               pooler=settings.postgres_pooler)
    return SqliteBackend(settings.db, synchronous=settings.synchronous,
                         readers=settings.readers)
