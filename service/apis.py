"""The APIs the service serves, each a set of route tables: the ops routes on the root
app, the v1 API and the persons API as sub-applications with their own middlewares
(problem+json, their auth, rate limiting when it is on).

`OPERATIONS` is every declared route with its full path: the OpenAPI document and the
test matrices are generated from it.
"""

from aiohttp import web

from service import openapi
from service.auth import bearer_auth, persons_auth
from service.handlers import (
    audit,
    ops,
    persons,
    v1_connectors,
    v1_data,
    v1_definitions,
    v1_fields,
    v1_lookup,
    v1_mappings,
    v1_options,
    v1_revert,
    v1_webhooks,
)
from service.middlewares import api_problems, rate_limit_middleware
from service.routing import BEARER, PERSONS, PUBLIC, Api, Operation
from service.settings import Settings

OPS = Api("", PUBLIC, [ops.routes])
# Order matters: fixed paths such as /custom-fields/raw-data come before the
# /custom-fields/{field_id} pattern that would otherwise match them.
V1 = Api("/api/v1", BEARER, [openapi.routes, v1_lookup.routes, audit.routes, v1_data.routes,
                             v1_mappings.routes, v1_definitions.routes, v1_connectors.routes,
                             v1_fields.routes, v1_options.routes, v1_revert.routes,
                             v1_webhooks.routes])
PERSONS_API = Api("/custom-fields", PERSONS, [persons.routes])
OPERATIONS: list[Operation] = [op for api in (OPS, V1, PERSONS_API) for op in api.operations()]


def sharing_state(root: web.Application, middlewares: list) -> web.Application:
    """A sub-application holding the root's state objects under the same keys, so
    handlers read `request.app[key]` (one lookup) rather than build a `config_dict`
    chain per access."""
    app = web.Application(middlewares=middlewares)
    for key in root:
        app[key] = root[key]
    return app


def _sub_app(root: web.Application, api: Api, auth, settings: Settings) -> web.Application:
    middlewares = [api_problems, auth]
    if settings.rate_limit_per_second > 0:
        middlewares.append(rate_limit_middleware)
    app = sharing_state(root, middlewares)
    api.add_routes(app)
    return app


def mount(root: web.Application, settings: Settings) -> None:
    """The ops routes on `root`, each API as a sub-application at its prefix; call it
    once the root's state is complete."""
    OPS.add_routes(root)
    root.add_subapp(V1.prefix, _sub_app(root, V1, bearer_auth, settings))
    root.add_subapp(PERSONS_API.prefix, _sub_app(root, PERSONS_API, persons_auth, settings))


def declared_routes() -> list[tuple[str, str]]:
    """(method, path) of every declared route, in routing order."""
    return [(op.method, op.path) for op in OPERATIONS]


def served_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path) of every API route the app's router serves (HEAD aside), sub-apps'
    included: what a client can reach, to hold against the declarations. The
    dashboard's pages are not API operations."""
    found = []
    for route in app.router.routes():
        if route.method != "HEAD" and route.resource is not None:
            path = route.resource.canonical
            if not path.startswith("/dashboard"):
                found.append((route.method, path))
    return found
