"""The application factory: settings in, a ready aiohttp app out.

The root app holds the state (every key in `service.appkeys`, all of it made here, the
backend unopened), the cleanup contexts (opening the backend, background jobs) and the
root middlewares (request ids, access lines, metrics); the APIs are sub-applications
mounted by `service.apis`, which share the same state objects.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from service import apis
from service.accesslog import LOGGER as ACCESS_LOGGER
from service.accesslog import AccessLog
from service.answers import AnswerCache
from service.appkeys import (
    access_log_key,
    answer_cache_key,
    backend_key,
    context_key,
    key_cache_key,
    metrics_key,
    openapi_cache_key,
    operations_key,
    query_cache_key,
    rate_limiter_key,
    read_cache_key,
    refresher_key,
    request_ids_key,
    settings_key,
    webhooks_key,
)
from service.backend import make_backend
from service.commands import Context
from service.dashboard import dashboard_app
from service.dashboard.guard import PREFIX as DASHBOARD_PREFIX
from service.keycache import KeyCache
from service.lru import LRU
from service.metrics import Metrics
from service.middlewares import observe_middleware, request_ids
from service.ratelimit import RateLimiter
from service.readcache import ReadCache
from service.refresher import Refresher
from service.settings import Settings
from service.webhooks.lifecycle import webhooks_ctx
from service.webhooks.worker import Worker as WebhookWorker
from service.writes import forget_idempotency_records

logger = logging.getLogger("custom_fields.app")
Job = Callable[[web.Application], Awaitable[object]]


async def backend_ctx(app: web.Application) -> AsyncIterator[None]:
    backend = app[backend_key]
    await backend.open()
    backend.store.commit_listeners.append(app[metrics_key].count_events)
    yield
    await backend.close()


def every(seconds: float, job: Job, *, at_exit: bool = False):
    """A cleanup context running `job` now and then every `seconds` in the background
    (and once more on shutdown with `at_exit`), cancelled with the app. A run that fails
    is logged and the schedule goes on."""
    async def run(app: web.Application) -> None:
        try:
            await job(app)
        except Exception:
            logger.exception("background job %s failed; it runs again in %ss",
                             job.__name__, seconds)

    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await run(app)
                await asyncio.sleep(seconds)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if at_exit:
            await run(app)
    return context


async def expire_idempotency(app: web.Application) -> None:
    """Forget idempotency records older than the TTL."""
    hours = app[settings_key].idempotency_ttl_hours
    await app[backend_key].store.write(forget_idempotency_records(hours))


async def flush_access_log(app: web.Application) -> None:
    app[access_log_key].flush()


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings.from_env()
    app = web.Application(middlewares=[observe_middleware],
                          client_max_size=settings.max_body_bytes)
    app[settings_key] = settings
    app[context_key] = Context.from_settings(settings)
    app[metrics_key] = Metrics()
    app[access_log_key] = AccessLog(enabled=settings.access_log)
    app[request_ids_key] = request_ids()
    app[query_cache_key] = LRU(2048)
    app[rate_limiter_key] = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app[operations_key] = apis.OPERATIONS
    app[openapi_cache_key] = {}
    backend = app[backend_key] = make_backend(settings)
    app[read_cache_key] = ReadCache(backend.store.change_marker)
    keys = app[key_cache_key] = KeyCache(backend.store)
    backend.store.commit_listeners.append(keys.committed)
    app[answer_cache_key] = AnswerCache(backend.store.change_marker,
                                        enabled=settings.rate_limit_per_second <= 0)
    app.cleanup_ctx.append(backend_ctx)
    app[webhooks_key] = WebhookWorker(backend, settings, app[metrics_key])
    app.cleanup_ctx.append(webhooks_ctx)  # after the backend's: stopped before it closes
    refresher = app[refresher_key] = Refresher(backend, app[context_key].expressions)
    app.cleanup_ctx.append(refresher.context)
    app.cleanup_ctx.append(every(3600, expire_idempotency))
    app.cleanup_ctx.append(every(0.5, flush_access_log, at_exit=True))
    apis.mount(app, settings)
    app.add_subapp(DASHBOARD_PREFIX, dashboard_app(app, settings))
    return app


def configure_logging(level: int | str = logging.INFO) -> None:
    """Log lines at `level` and above (a number or a name: "WARNING") go to stderr. JSON
    access lines go there too, through `AccessLog`, which writes them when the
    `custom_fields.access` logger is enabled for INFO: that logger is set to INFO here
    (the `access_log` setting, not the log level, switches them), unless it was given
    a level of its own before."""
    logging.basicConfig(level=level, format="%(message)s")
    if ACCESS_LOGGER.level == logging.NOTSET:
        ACCESS_LOGGER.setLevel(logging.INFO)
