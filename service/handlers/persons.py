"""The persons API (/custom-fields...): the (CRM, person) model in camelCase."""

from aiohttp import web

routes = web.RouteTableDef()
