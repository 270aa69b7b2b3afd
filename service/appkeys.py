"""Typed application keys: the app's state, declared once."""

from aiohttp import web

from events import EventStore
from service.catalogue import Catalogue
from service.jmes import ExpressionCache
from service.metrics import Metrics
from service.settings import Settings

settings_key = web.AppKey("settings", Settings)
store_key = web.AppKey("store", EventStore)
catalogue_key = web.AppKey("catalogue", Catalogue)
metrics_key = web.AppKey("metrics", Metrics)
expressions_key = web.AppKey("expressions", ExpressionCache)
