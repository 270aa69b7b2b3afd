"""mapping pages of the dashboard (being built)."""

from aiohttp import web

routes = web.RouteTableDef()
