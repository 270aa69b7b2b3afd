"""The dashboard: the v1 API's capabilities in a browser, at /dashboard/.

A sub-application of its own (HTML, a session cookie, CSRF tokens, error pages): none of
the API's middlewares run here. Pages are server-rendered with Jinja2 and updated in
parts with htmx (vendored in `static/`, nothing from a CDN); every change runs the same
commands as the API, as the signed-in key, with `source: "DASHBOARD"`.
"""

from importlib import resources

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import session_middleware

from service.apis import sharing_state
from service.dashboard import guard, sessions
from service.dashboard.views import (
    configuration,
    field_edit,
    fields,
    history,
    mapping,
    mapping_preview,
    options,
    overview,
    revert,
    signin,
    values,
)
from service.settings import Settings

HTMX = "htmx-2.0.11.min.js"
# `fields` before `field_edit`: GET /fields/new is not a field's page
VIEWS = [signin.routes, overview.routes, fields.routes, field_edit.routes, options.routes,
         mapping.routes, mapping_preview.routes, history.routes, revert.routes,
         configuration.routes, values.routes]


def dashboard_app(root: web.Application, settings: Settings) -> web.Application:
    """The dashboard sub-application, sharing the root's state (as the APIs do)."""
    app = sharing_state(root, [session_middleware(sessions.storage(settings)),
                               guard.error_pages, guard.csrf, guard.require_sign_in])
    environment = aiohttp_jinja2.setup(
        app, loader=jinja2.PackageLoader("service.dashboard", "templates"),
        autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)
    environment.globals["htmx"] = HTMX
    for table in VIEWS:
        app.add_routes(table)
    app.router.add_static("/static", str(resources.files(__name__) / "static"))
    return app
