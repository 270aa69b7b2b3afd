"""The log on PostgreSQL: replicas share one database; psycopg 3, a writer connection
per replica on its own thread, an async read pool, LISTEN/NOTIFY for changes."""

from events.postgres.store import PostgresEventStore

__all__ = ["PostgresEventStore"]
