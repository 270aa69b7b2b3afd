"""Operational endpoints: liveness, readiness, Prometheus metrics."""

from aiohttp import web

from service.appkeys import metrics_key, store_key
from service.auth import public

routes = web.RouteTableDef()


@routes.get("/healthz")
@public
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
@public
async def readyz(request: web.Request) -> web.Response:
    await request.app[store_key].reader.execute_fetchall("SELECT 1")
    return web.json_response({"status": "ready"})


@routes.get("/metrics")
@public
async def metrics(request: web.Request) -> web.Response:
    m = request.app[metrics_key]
    return web.Response(body=m.render(), headers={"Content-Type": m.content_type})
