"""The application factory: settings in, a ready aiohttp app out."""

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from service.appkeys import (catalogue_key, expressions_key, metrics_key, settings_key,
                             store_key)
from service.auth import auth_middleware
from service.catalogue import Catalogue
from service.handlers import (ops, persons, v1_connectors, v1_data, v1_fields, v1_lookup,
                              v1_mappings)
from service.jmes import ExpressionCache
from service.metrics import Metrics
from service.middlewares import error_middleware, observe_middleware
from service.settings import Settings
from service.storage import make_store

# Order matters: fixed paths such as /api/v1/custom-fields/raw-data come before the
# /api/v1/custom-fields/{field_id} pattern that would otherwise match them.
ROUTE_TABLES = [ops.routes, v1_lookup.routes, v1_data.routes, v1_mappings.routes,
                v1_connectors.routes, v1_fields.routes, persons.routes]


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    store = make_store(app[settings_key])
    await store.open()
    store.commit_listeners.append(app[metrics_key].count_events)
    app[store_key] = store
    yield
    await store.close()


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application(
        middlewares=[observe_middleware, error_middleware, auth_middleware],
        client_max_size=settings.max_body_bytes,
    )
    app[settings_key] = settings
    app[catalogue_key] = Catalogue.load()
    app[metrics_key] = Metrics()
    app[expressions_key] = ExpressionCache(settings.expression_cache_size)
    app.cleanup_ctx.append(store_ctx)
    for table in ROUTE_TABLES:
        app.add_routes(table)
    return app


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines (access logs are JSON already) go to stderr."""
    logging.basicConfig(level=level, format="%(message)s")
