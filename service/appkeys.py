"""Every typed key of the app's state and of a request's, declared once.

Sub-applications read the root's state through `request.app[key]`.
"""

from collections.abc import Iterator

from aiohttp import web

from projections import Backend
from service.accesslog import AccessLog
from service.answers import AnswerCache
from service.commands import Context
from service.keycache import KeyCache
from service.lru import LRU
from service.metrics import Metrics
from service.principal import Principal
from service.ratelimit import RateLimiter
from service.readcache import ReadCache
from service.refresher import Refresher
from service.settings import Settings
from service.webhooks.worker import Worker as WebhookWorker

# --- the app's -------------------------------------------------------------------------
settings_key = web.AppKey("settings", Settings)
backend_key = web.AppKey("backend", Backend)        # the store and its read queries
context_key = web.AppKey("context", Context)        # what commands consult: catalogue, ...
metrics_key = web.AppKey("metrics", Metrics)
access_log_key = web.AppKey("access_log", AccessLog)
request_ids_key = web.AppKey("request_ids", Iterator)
read_cache_key = web.AppKey("read_cache", ReadCache)
key_cache_key = web.AppKey("key_cache", KeyCache)  # API keys, until a key event
answer_cache_key = web.AppKey("answer_cache", AnswerCache)  # whole answers of reused GETs
query_cache_key = web.AppKey("query_cache", LRU)      # validated query strings
rate_limiter_key = web.AppKey("rate_limiter", RateLimiter)
operations_key = web.AppKey("operations", list)       # every declared route, for OpenAPI
openapi_cache_key = web.AppKey("openapi_cache", dict)
webhooks_key = web.AppKey("webhooks", WebhookWorker)  # the delivery worker
refresher_key = web.AppKey("refresher", Refresher)  # resolved values kept up to date

# --- a request's -----------------------------------------------------------------------
principal_key = web.RequestKey("principal", Principal)
org_name_key = web.RequestKey("org_name", str)  # the dashboard shows it on every page
request_id_key = web.RequestKey("request_id", str)

__all__ = [name for name in dir() if name.endswith("_key")]
