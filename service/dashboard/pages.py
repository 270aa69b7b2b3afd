"""What every dashboard page shares: rendering with the layout's context, and running a
command as the signed-in key, with `source: "DASHBOARD"` in its events."""

from typing import Any, TypeVar

import aiohttp_jinja2
from aiohttp import web

from events import Metadata
from service.appkeys import backend_key, context_key, org_name_key, principal_key, request_id_key
from service.catalogue import Catalogue
from service.commands import Command, execute
from service.dashboard.sessions import csrf_token
from service.principal import Principal

R = TypeVar("R")
SOURCE = "DASHBOARD"


def principal(request: web.Request) -> Principal:
    return request[principal_key]


def catalogue(request: web.Request) -> Catalogue:
    return request.app[context_key].catalogue


def queries(request: web.Request):
    return request.app[backend_key].queries


async def render(request: web.Request, template: str, context: dict[str, Any],
                 status: int = 200) -> web.Response:
    """The page (or fragment) with what the layout needs: the organization, the CSRF
    token, the models for the navigation."""
    who = request.get(principal_key)
    base = {"org_name": request.get(org_name_key), "org_slug": who.org_slug if who else None,
            "csrf_token": await csrf_token(request), "models": catalogue(request).models(),
            "path": request.path}
    return aiohttp_jinja2.render_template(template, request, {**base, **context},
                                          status=status)


async def run(request: web.Request, command: Command[R]) -> R:
    """The command, as the signed-in key, through the same store and rules as the API."""
    who = principal(request)
    meta = Metadata(key_id=who.key_id, request_id=request.get(request_id_key), source=SOURCE)
    return await execute(request.app[backend_key].store, request.app[context_key], command, meta)
