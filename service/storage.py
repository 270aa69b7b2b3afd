"""Opening the event store with the projector and every table the service needs."""

import os

from events import EventStore
from projections import create_projection_tables, project
from service.settings import Settings
from service.tables import create_service_tables


def make_store(settings: Settings) -> EventStore:
    directory = os.path.dirname(os.path.abspath(settings.db))
    os.makedirs(directory, exist_ok=True)
    return EventStore(settings.db, projectors=[project],
                      setup=[create_projection_tables, create_service_tables],
                      synchronous=settings.synchronous, readers=settings.readers)
