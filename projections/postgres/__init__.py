"""The projections on PostgreSQL: the shared tables, projector and queries, on the
server every replica uses."""

from projections.postgres.backend import PostgresBackend

__all__ = ["PostgresBackend"]
