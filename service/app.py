"""The application factory: settings in, a ready aiohttp app out."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from aiohttp import web

from service.accesslog import AccessLog, access_log_key
from service.appkeys import (catalogue_key, expressions_key, metrics_key, settings_key,
                             store_key)
from service.auth import auth_middleware
from service.catalogue import Catalogue
from service.handlers import (audit, ops, persons, v1_connectors, v1_data, v1_fields, v1_lookup,
                              v1_mappings)
from service.handlers.common import query_cache_key
from service.jmes import ExpressionCache
from service.lru import LRU
from service.metrics import Metrics
from service.openapi import openapi_cache_key, openapi_routes
from service.middlewares import (error_middleware, observe_middleware, request_ids,
                                 request_ids_key)
from service.readcache import ChangeWatcher, ReadCache, read_cache_key
from service.ratelimit import RateLimiter, rate_limit_middleware, rate_limiter_key
from service.settings import Settings
from service.storage import make_store
from service.writes import expire_idempotency_keys

# Order matters: fixed paths such as /api/v1/custom-fields/raw-data come before the
# /api/v1/custom-fields/{field_id} pattern that would otherwise match them.
ROUTE_TABLES = [ops.routes, openapi_routes, v1_lookup.routes, audit.routes, v1_data.routes,
                v1_mappings.routes, v1_connectors.routes, v1_fields.routes, persons.routes]


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    store = make_store(app[settings_key])
    await store.open()
    store.commit_listeners.append(app[metrics_key].count_events)
    app[store_key] = store
    watcher = ChangeWatcher(store.path)
    store.commit_listeners.append(watcher.committed)
    app[read_cache_key] = ReadCache(watcher)
    yield
    watcher.close()
    await store.close()


Job = Callable[[web.Application], Awaitable[None]]


def every(seconds: float, job: Job, *, at_exit: bool = False):
    """A cleanup context running `job` now and then every `seconds` in the background
    (and once more on shutdown with `at_exit`), cancelled with the app."""
    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await job(app)
                await asyncio.sleep(seconds)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if at_exit:
            await job(app)
    return context


async def expire_idempotency(app: web.Application) -> None:
    """Forget idempotency records older than the TTL."""
    hours = app[settings_key].idempotency_ttl_hours
    cutoff = (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    await app[store_key].write(partial(expire_idempotency_keys, before=cutoff))


async def flush_access_log(app: web.Application) -> None:
    app[access_log_key].flush()


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application(
        middlewares=[observe_middleware, error_middleware, auth_middleware]
        + ([rate_limit_middleware] if settings.rate_limit_per_second > 0 else []),
        client_max_size=settings.max_body_bytes,
    )
    app[settings_key] = settings
    app[catalogue_key] = Catalogue.load()
    app[metrics_key] = Metrics()
    app[access_log_key] = AccessLog()
    app[request_ids_key] = request_ids()
    app[expressions_key] = ExpressionCache(settings.expression_cache_size)
    app[openapi_cache_key] = {}
    app[query_cache_key] = LRU(2048)
    app[rate_limiter_key] = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.cleanup_ctx.append(store_ctx)
    app.cleanup_ctx.append(every(3600, expire_idempotency))
    app.cleanup_ctx.append(every(0.5, flush_access_log, at_exit=True))
    for table in ROUTE_TABLES:
        app.add_routes(table)
    return app


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines go to stderr; JSON access lines too, through `AccessLog`."""
    logging.basicConfig(level=level, format="%(message)s")
