"""The route declaration: each route's handler, its OpenAPI operation and what the
isolation and retry test matrices need to know of it, written once at the handler.

    routes = Routes("v1")

    @routes.get("/custom-fields/{field_id}", summary="A custom field with its mappings",
                ok={200: V1FieldWithMappingsSchema}, scope=RESOURCE,
                operation_id="get_custom_field", etag=True)
    async def get_field(request): ...

A module keeps one `Routes` table (as with aiohttp's `RouteTableDef`); an `Api` serves
several tables under a prefix as a sub-application. The OpenAPI document and the test
matrices are generated from `Api.operations()`; adding an endpoint is one declaration
plus its handler and tests.

Each operation has an `operationId` (what a client generator names its function after):
`operation_id=` at the declaration, else the handler's name, prefixed with the API's
`id_prefix` (`persons_` for the persons API). Ids are part of the contract: once
published, an id does not change (tests/test_openapi_client.py lists them).

The error answers an operation documents are derived from the declaration (who may call
it, whether it reads a body, a query, an `If-Match`, whether it writes):
`Operation.error_statuses`; `problems=` adds the statuses a route answers beyond them.
"""

import re
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
IF_MATCH_METHODS = frozenset({"PUT", "PATCH", "DELETE"})
# the operationId prefix of each API, by the auth it calls for (an Api may set its own)
ID_PREFIXES = {PUBLIC: "", BEARER: "", PERSONS: "persons_"}
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")  # snake_case


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
    # response headers of the success answers, documented: name -> description (a header
    # the handler always sets), or a complete OpenAPI header object
    headers: dict[str, Any] = field(default_factory=dict)
    writes: bool | None = None             # None: every POST/PUT/PATCH/DELETE writes
    operation_id: str | None = None        # None: the handler's name (and the API's prefix)
    etag: bool = False                     # the success answers carry an ETag
    if_match: bool | None = None           # reads If-Match; None: every PUT/PATCH/DELETE
    problems: tuple[int, ...] = ()         # error statuses beyond the derived ones
    # a GET whose answer depends only on the caller's key, the path and query and the
    # stored state: served again from memory while the state is unchanged (answers.py)
    reuse: bool = False

    @property
    def status(self) -> int:
        return next(iter(self.ok))

    @property
    def changes_state(self) -> bool:
        return self.method in WRITE_METHODS if self.writes is None else self.writes

    @property
    def reads_if_match(self) -> bool:
        return self.method in IF_MATCH_METHODS if self.if_match is None else self.if_match

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def error_statuses(self) -> list[int]:
        """The error statuses the operation can answer, from what it is declared to read
        and do (the `default` answer stays for the rest: 500, 405 on its path...)."""
        authenticated = self.auth not in (PUBLIC, None)
        writes = self.changes_state and authenticated
        found = set(self.problems)
        if self.body is not None or writes or self.reads_if_match or self.auth == PERSONS:
            found.add(400)  # unreadable body, bad Idempotency-Key / If-Match, no org slug
        if authenticated:
            found.update((401, 429, 503))  # no or bad key; rate limited; storage unavailable
        if self.auth == PERSONS:
            found.add(403)  # organizationSlug is not the key's organization
        if self.path_parameters or self.scope == RESOURCE:
            found.add(404)
        if writes:
            found.add(409)  # a duplicate, a concurrent modification
        if self.reads_if_match:
            found.add(412)
        if self.body is not None:
            found.add(413)
        if self.body is not None or self.query is not None or writes:
            found.add(422)  # validation, rules, a reused Idempotency-Key
        return sorted(found)


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
            if options.get("operation_id") is not None and not OPERATION_ID.match(
                    options["operation_id"]):
                raise ValueError(f"operation_id {options['operation_id']!r} is not snake_case")
            self.operations.append(Operation(method, path, handler, summary,
                                             options.pop("tag", self.tag), ok, scope, **options))
            if options.get("auth") == PUBLIC:
                public(handler)
            if options.get("reuse"):
                if method != "GET":
                    raise ValueError(f"{method} {path}: only a GET answer can be reused")
                handler.reusable = True  # type: ignore[attr-defined]
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
    id_prefix: str | None = None  # of the default operationIds; None: ID_PREFIXES[auth]

    def operations(self) -> list[Operation]:
        prefix = ID_PREFIXES.get(self.auth, "") if self.id_prefix is None else self.id_prefix
        return [replace(op, path=self.prefix + op.path, auth=op.auth or self.auth,
                        operation_id=op.operation_id or prefix + op.handler.__name__)
                for table in self.tables for op in table.operations]

    def add_routes(self, app: web.Application) -> None:
        """Add the routes to `app` (the sub-application mounted at `prefix`)."""
        for table in self.tables:
            for op in table.operations:
                if op.method == "GET":  # HEAD too, as aiohttp's route tables do
                    app.router.add_get(op.path, op.handler)
                else:
                    app.router.add_route(op.method, op.path, op.handler)
