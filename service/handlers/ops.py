"""Operational endpoints on the root app: liveness, readiness, Prometheus metrics."""

from aiohttp import web

from service.appkeys import backend_key, metrics_key
from service.routing import LISTING, PUBLIC, Routes
from service.schemas import responses as r

routes = Routes("operations")


@routes.get("/healthz", summary="Liveness", ok={200: r.HealthSchema}, scope=LISTING,
            auth=PUBLIC, operation_id="get_liveness")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz", summary="Readiness", ok={200: r.HealthSchema}, scope=LISTING,
            auth=PUBLIC, operation_id="get_readiness", problems=(503,))
async def readyz(request: web.Request) -> web.Response:
    await request.app[backend_key].store.ping()
    return web.json_response({"status": "ready"})


@routes.get("/metrics", summary="Prometheus metrics", ok={200: "text"}, scope=LISTING,
            auth=PUBLIC, operation_id="get_metrics")
async def metrics(request: web.Request) -> web.Response:
    m = request.app[metrics_key]
    return web.Response(body=m.render(), headers={"Content-Type": m.content_type})
