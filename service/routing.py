"""The route declaration: each route's handler, its OpenAPI operation and what the
isolation and retry test matrices need to know of it, written once at the handler.

    routes = Routes("v1")

    @routes.get("/custom-fields/{field_id}", summary="A custom field with its mappings",
                ok={200: V1FieldWithMappingsSchema}, scope=RESOURCE)
    async def get_field(request): ...

A module keeps one `Routes` table (as with aiohttp's `RouteTableDef`); an `Api` serves
several tables under a prefix as a sub-application. The OpenAPI document and the test
matrices are generated from `Api.operations()`; adding an endpoint is one declaration
plus its handler and tests.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# who may call a route
PUBLIC, BEARER, PERSONS = "public", "bearer", "persons"
# what a caller of another organization gets (the isolation matrix checks it)
RESOURCE = "resource"  # names a resource of its organization: others get 404
LISTING = "listing"    # lists or looks up the caller's own things: others get their own
CREATE = "create"      # makes a new thing of the caller's own
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Operation:
    method: str
    path: str              # as the client sends it (with the API's prefix, once in an Api)
    handler: Handler
    summary: str
    tag: str
    ok: dict[int, Any]     # success status -> response schema, None (no body), "any", "text"
    scope: str
    query: type | None = None
    body: type | None = None
    auth: str | None = None                # None: the Api's default
    headers: dict[str, str] = field(default_factory=dict)  # response headers, documented
    writes: bool | None = None             # None: every POST/PUT/PATCH/DELETE writes

    @property
    def status(self) -> int:
        return next(iter(self.ok))

    @property
    def changes_state(self) -> bool:
        return self.method in WRITE_METHODS if self.writes is None else self.writes


def public(handler: Handler) -> Handler:
    """Mark a handler as reachable without an API key (the auth middlewares let it by)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


class Routes:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[Operation] = []

    def route(self, method: str, path: str, *, summary: str, ok: dict[int, Any], scope: str,
              **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.operations.append(Operation(method, path, handler, summary,
                                             options.pop("tag", self.tag), ok, scope, **options))
            if options.get("auth") == PUBLIC:
                public(handler)
            return handler
        return register

    def get(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kwargs)


@dataclass(frozen=True)
class Api:
    """Route tables served together under `prefix`, calling for `auth` unless a route
    says otherwise. Table order is routing order: fixed paths come before the patterns
    that would match them."""

    prefix: str
    auth: str
    tables: Sequence[Routes]

    def operations(self) -> list[Operation]:
        return [replace(op, path=self.prefix + op.path, auth=op.auth or self.auth)
                for table in self.tables for op in table.operations]

    def add_routes(self, app: web.Application) -> None:
        """Add the routes to `app` (the sub-application mounted at `prefix`)."""
        for table in self.tables:
            for op in table.operations:
                if op.method == "GET":  # HEAD too, as aiohttp's route tables do
                    app.router.add_get(op.path, op.handler)
                else:
                    app.router.add_route(op.method, op.path, op.handler)
