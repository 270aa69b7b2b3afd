"""The OpenAPI 3.1 document of both APIs, generated from the route declarations.

Every route is declared once, at its handler (`service.routing`), with the schemas it
reads and answers; this module turns the declarations into the document, so no route
can be served without being documented.
"""

import re
from typing import Any

from aiohttp import web
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from service.appkeys import openapi_cache_key, operations_key
from service.routing import LISTING, PERSONS, PUBLIC, Operation, Routes
from service.schemas import responses as r

PROBLEM = {"application/problem+json": {"schema": "Problem"}}
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                              "pattern": "^[\\x21-\\x7e]+$"}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False,
            "schema": {"type": "string", "pattern": '^\\s*(\\*|(W/)?"[0-9a-f.]{1,64}")\\s*$'}}


def _content(schema: Any) -> dict[str, Any]:
    if schema == "text":
        return {"text/plain": {"schema": {"type": "string"}}}
    if schema == "any":
        return {"application/json": {"schema": {}}}
    return {"application/json": {"schema": schema}}


def _operation(op: Operation) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)]
    if op.query is not None:
        params.append({"in": "query", "schema": op.query})
    if op.auth == PERSONS:
        params.append({"in": "header", "name": "organizationSlug", "required": True,
                       "schema": {"type": "string"}})
    if op.changes_state and op.auth != PUBLIC:
        params.append(IDEMPOTENCY_KEY)
    if op.method in ("PATCH", "DELETE", "PUT"):
        params.append(IF_MATCH)
    responses: dict[str, Any] = {}
    for status, schema in op.ok.items():
        response: dict[str, Any] = {"description": op.summary}
        if schema is not None:
            response["content"] = _content(schema)
        if op.headers:
            response["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                   for name, text in op.headers.items()}
        responses[str(status)] = response
    responses["default"] = {"description": "A problem (RFC 9457)", "content": PROBLEM}
    operation: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                 "parameters": params, "responses": responses,
                                 "operationId": f"{op.method.lower()}_{op.path}"}
    if op.body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": op.body}}}
    if op.auth == PUBLIC:
        operation["security"] = []
    return operation


def build_spec(operations: list[Operation]) -> dict[str, Any]:
    spec = APISpec(title="Custom Fields Service", version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "The v1 API (/api/v1) and the persons API "
                                        "(/custom-fields) over one domain."})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=r.ProblemSchema)
    spec.options["security"] = [{"bearerAuth": []}]
    by_path: dict[str, dict[str, Any]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    for path, methods in by_path.items():
        spec.path(path=path, operations=methods)
    return spec.to_dict()


routes = Routes("operations")


@routes.get("/openapi.json", summary="This document", ok={200: "any"}, scope=LISTING,
            auth=PUBLIC)
async def openapi_document(request: web.Request) -> web.Response:
    cache = request.app[openapi_cache_key]
    if "document" not in cache:  # built once, on first use
        cache["document"] = build_spec(request.app[operations_key])
    return web.json_response(cache["document"])
