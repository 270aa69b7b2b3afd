"""The dashboard's middlewares: error pages, CSRF on every state-changing request, and
the sign-in every page but the sign-in page itself needs.

These are the dashboard's own (HTML, cookies): none of the API's middlewares run here.
A request of htmx (`HX-Request`) that needs signing in is sent there with
`HX-Redirect`; an error answers a fragment it swaps in instead of a whole page.
"""

import hmac
import logging

from aiohttp import web
from aiohttp_session import get_session
from marshmallow import ValidationError

from service.appkeys import backend_key, org_name_key, principal_key, read_cache_key, settings_key
from service.dashboard.pages import render
from service.dashboard.sessions import signed_in
from service.errors import DomainError
from service.principal import Principal

logger = logging.getLogger("custom_fields.dashboard")
PREFIX = "/dashboard"
OPEN_PATHS = {f"{PREFIX}/login"}  # reachable without a session (besides the static files)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def is_htmx(request: web.Request) -> bool:
    return request.headers.get("HX-Request") == "true"


async def error_page(request: web.Request, status: int, title: str, detail: str,
                     errors: dict | None = None) -> web.Response:
    template = "error_fragment.html" if is_htmx(request) else "error.html"
    response = await render(request, template, {"status": status, "title": title,
                                                "detail": detail, "errors": errors or {}},
                            status=status)
    if is_htmx(request):  # htmx swaps 2xx only by default: say where the error goes
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@web.middleware
async def error_pages(request: web.Request, handler):
    try:
        return await handler(request)
    except DomainError as exc:
        return await error_page(request, exc.status, exc.code.replace("_", " ").capitalize(),
                          exc.detail, exc.errors)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"form": exc.messages}
        return await error_page(request, 422, "Check the form", "some values are not valid",
                          errors)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = "there is no such page" if exc.status == 404 else exc.reason
        return await error_page(request, exc.status, exc.reason, detail)
    except Exception:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return await error_page(request, 500, "Something went wrong",
                          "an unexpected error occurred; it has been logged")


def to_sign_in(request: web.Request) -> web.StreamResponse:
    target = f"{PREFIX}/login"
    if is_htmx(request):
        return web.Response(status=204, headers={"HX-Redirect": target})
    raise web.HTTPFound(target)


@web.middleware
async def csrf(request: web.Request, handler):
    """Every state-changing request carries the session's token: the `X-CSRF-Token`
    header (htmx sends it) or a `csrf_token` form field."""
    if request.method in UNSAFE_METHODS:
        session = await get_session(request)
        expected = session.get("csrf")
        given: object = request.headers.get("X-CSRF-Token")
        if given is None and request.content_type in ("application/x-www-form-urlencoded",
                                                      "multipart/form-data"):
            given = (await request.post()).get("csrf_token")
        if not (isinstance(expected, str) and isinstance(given, str)
                and hmac.compare_digest(expected, given)):
            return await error_page(request, 403, "Refused", "the form has expired or did not come "
                              "from this dashboard: reload the page and try again")
    return await handler(request)


@web.middleware
async def require_sign_in(request: web.Request, handler):
    if request.path in OPEN_PATHS or request.path.startswith(f"{PREFIX}/static/"):
        return await handler(request)
    session = await get_session(request)
    if not signed_in(session, request.app[settings_key].session_ttl_minutes):
        session.invalidate()
        return to_sign_in(request)
    key_id = session["key_id"]
    queries = request.app[backend_key].queries

    async def lookup():
        return await queries.principal_by_key_id(key_id)

    principal = await request.app[read_cache_key].get(("dashboard-key", key_id), lookup)
    if principal is None:  # revoked: the key's sessions end with it
        session.invalidate()
        return to_sign_in(request)
    request[principal_key] = Principal(principal["key_id"], principal["org_id"],
                                       principal["org_slug"])
    request[org_name_key] = principal["org_name"]
    return await handler(request)
