"""Signing in with an API key, and out."""

from aiohttp import web
from aiohttp_session import get_session

from service.appkeys import backend_key
from service.dashboard.pages import render
from service.dashboard.sessions import sign_in
from service.ids import hash_key

routes = web.RouteTableDef()


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return await render(request, "login.html", {"error": None})


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    key = str(form.get("api_key", "")).strip()
    principal = None
    if key and key.isascii():
        principal = await request.app[backend_key].queries.principal_by_key_hash(hash_key(key))
    if principal is None:
        return await render(request, "login.html", {
            "error": "That API key is not valid or has been revoked."}, status=401)
    await sign_in(request, principal)
    raise web.HTTPSeeOther("/dashboard/")


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/dashboard/login")
