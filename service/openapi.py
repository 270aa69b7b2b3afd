"""The OpenAPI 3.1 document of both APIs, generated from the route declarations.

Every route is declared once, at its handler (`service.routing`), with the schemas it
reads and answers; this module turns the declarations into the document, so no route
can be served without being documented. What the declaration implies is written out
for client generators: each operation's `operationId`, its parameters (path, query,
`organizationSlug`, `Idempotency-Key`, `If-Match`), every error status it can answer
(problem+json, `Operation.error_statuses`), and the response headers (`X-Request-Id` on
every answer, `ETag`, `Location`, `Idempotent-Replayed`, `Retry-After`,
`WWW-Authenticate`). Examples come from the two reference documents
(`EXAMPLES`, by operationId).
"""

from typing import Any

from aiohttp import web
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from service.appkeys import openapi_cache_key, operations_key
from service.openapi_examples import EXAMPLES, PARAMETERS, PROBLEMS
from service.routing import LISTING, PERSONS, PUBLIC, Operation, Routes
from service.schemas import responses as r

SERVERS = [{"url": "http://127.0.0.1:8080",
            "description": "`make run` (`custom-fields serve`): its default host and port"}]

PROBLEM = {"application/problem+json": {"schema": "Problem"}}
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "description": "Makes the write safe to retry: the same key and request "
                                  "again answer the first answer (with Idempotent-Replayed: "
                                  "true) and write nothing",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                              "pattern": "^[\\x21-\\x7e]+$"}}
IF_MATCH = {"in": "header", "name": "If-Match", "required": False,
            "description": "The ETag the client last saw: the write is refused (412) when "
                           "the resource has changed since",
            "schema": {"type": "string", "pattern": '^\\s*(\\*|(W/)?"[0-9a-f.]{1,64}")\\s*$'}}
ORGANIZATION_SLUG = {"in": "header", "name": "organizationSlug", "required": True,
                     "description": "The slug of the API key's organization (another is 403)",
                     "schema": {"type": "string"}, "example": "demo"}

# Response headers, as components (referenced by name).
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {"description": "The request's id (the caller's own X-Request-Id when "
                                    "it is 1-128 of [A-Za-z0-9._:-]), also in the access log "
                                    "and in the events the request wrote",
                     "required": True, "schema": {"type": "string"}},
    "ETag": {"description": "The resource's version; send it back as If-Match",
             "required": True, "schema": {"type": "string", "pattern": '^"[0-9a-f.]+"$'}},
    "Location": {"description": "The URL of the resource the request created",
                 "required": True, "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "Present (`true`) when the answer is the stored "
                                           "answer of an earlier request with the same "
                                           "Idempotency-Key",
                            "required": False, "schema": {"type": "string", "enum": ["true"]}},
    "Retry-After": {"description": "Seconds to wait before retrying", "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "WWW-Authenticate": {"description": "The Bearer challenge", "required": True,
                         "schema": {"type": "string", "pattern": "^Bearer"}},
}


def _content(schema: Any, examples: dict[str, Any] | None = None,
             example: Any = None) -> dict[str, Any]:
    if schema == "text":
        media: dict[str, Any] = {"schema": {"type": "string"}}
        return {"text/plain": media}
    media = {"schema": {} if schema == "any" else schema}
    if examples:
        media["examples"] = examples
    elif example is not None:
        media["example"] = example
    return {"application/json": media}


def _header(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return {"description": value, "required": True, "schema": {"type": "string"}}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in op.path_parameters]
    if op.query is not None:
        params.append({"in": "query", "schema": op.query})
    if op.auth == PERSONS:
        params.append(ORGANIZATION_SLUG)
    if op.changes_state and op.auth != PUBLIC:
        params.append(IDEMPOTENCY_KEY)
    if op.reads_if_match:
        params.append(IF_MATCH)
    return params


def _operation(op: Operation) -> dict[str, Any]:
    examples = EXAMPLES.get(op.operation_id or "", {})
    responses: dict[str, Any] = {}
    for status, schema in op.ok.items():
        response: dict[str, Any] = {"description": op.summary}
        if schema is not None:
            response["content"] = _content(schema, example=examples.get("responses", {})
                                           .get(status))
        headers: dict[str, Any] = {"X-Request-Id": _ref("headers", "X-Request-Id")}
        if op.etag:
            headers["ETag"] = _ref("headers", "ETag")
        if status == 201:
            headers["Location"] = _ref("headers", "Location")
        if op.changes_state and op.auth != PUBLIC:
            headers["Idempotent-Replayed"] = _ref("headers", "Idempotent-Replayed")
        headers.update({name: _header(value) for name, value in op.headers.items()})
        response["headers"] = headers
        responses[str(status)] = response
    for status in op.error_statuses:
        responses[str(status)] = _ref("responses", PROBLEMS[status][0])
    responses["default"] = _problem_response("A problem (RFC 9457)")
    operation: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary,
                                 "tags": [op.tag], "parameters": _parameters(op),
                                 "responses": responses}
    if op.body is not None:
        operation["requestBody"] = {"required": True, "content": _content(
            op.body, examples=examples.get("requests"), example=examples.get("request"))}
    if op.auth == PUBLIC:
        operation["security"] = []
    return operation


def _problem_response(description: str, headers: tuple[str, ...] = (),
                      example: dict[str, Any] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": "Problem"}
    if example is not None:
        content["example"] = example
    return {"description": description,
            "headers": {name: _ref("headers", name) for name in ("X-Request-Id", *headers)},
            "content": {"application/problem+json": content}}


def _nullable_enums(schemas: dict[str, Any]) -> None:
    """A nullable enum property (`type: [T, "null"]`, `enum: [..., null]`) becomes a
    named enum component, or null: `anyOf: [{$ref: <Schema><Property>}, {type: null}]`.
    It validates the same; a generator makes one optional enum class of it, named as it
    names the enums of the other properties (`PreviewResultRawDataSource`), rather than
    a union of one enum class per member of `type`."""
    for name, schema in list(schemas.items()):
        for prop, value in schema.get("properties", {}).items():
            if None not in value.get("enum", ()):
                continue
            types = value.get("type")
            types = [t for t in types if t != "null"] if isinstance(types, list) else []
            enum: dict[str, Any] = {"enum": [v for v in value["enum"] if v is not None]}
            if len(types) == 1:
                enum = {"type": types[0], **enum}
            component = name + "".join(part.capitalize() for part in prop.split("_"))
            assert component not in schemas, f"{component} is already a schema"
            schemas[component] = enum
            rest = {k: v for k, v in value.items() if k not in ("type", "enum")}
            schema["properties"][prop] = {
                "anyOf": [{"$ref": f"#/components/schemas/{component}"}, {"type": "null"}],
                **rest}


def _document_parameters(document: dict[str, Any]) -> None:
    """Describe the path and query parameters by name. A parameter is absent or given,
    never null: the null that a schema's `load_default=None` adds (to the type, the enum,
    as the default) is dropped."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for param in operation["parameters"]:
                if param["in"] not in ("query", "path"):
                    continue
                for key, value in PARAMETERS.get(param["name"], {}).items():
                    param.setdefault(key, value)
                schema = param["schema"]
                if isinstance(schema.get("type"), list):
                    types = [t for t in schema["type"] if t != "null"]
                    schema["type"] = types[0] if len(types) == 1 else types
                if "enum" in schema:
                    schema["enum"] = [v for v in schema["enum"] if v is not None]
                if "default" in schema and schema["default"] is None:
                    del schema["default"]


def build_spec(operations: list[Operation]) -> dict[str, Any]:
    spec = APISpec(title="Custom Fields Service", version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()], servers=SERVERS,
                   info={"description": "The v1 API (/api/v1) and the persons API "
                                        "(/custom-fields) over one domain. Errors are RFC "
                                        "9457 problems (application/problem+json)."})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=r.ProblemSchema)
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    for _status, (name, description, extra, example) in PROBLEMS.items():
        spec.components.response(name, _problem_response(description, extra, example))
    spec.options["security"] = [{"bearerAuth": []}]
    by_path: dict[str, dict[str, Any]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    for path, methods in by_path.items():
        spec.path(path=path, operations=methods)
    document = spec.to_dict()
    _nullable_enums(document["components"]["schemas"])
    _document_parameters(document)
    return document


routes = Routes("operations")


@routes.get("/openapi.json", summary="This document", ok={200: "any"}, scope=LISTING,
            auth=PUBLIC, operation_id="get_openapi_document")
async def openapi_document(request: web.Request) -> web.Response:
    cache = request.app[openapi_cache_key]
    if "document" not in cache:  # built once, on first use
        cache["document"] = build_spec(request.app[operations_key])
    return web.json_response(cache["document"])
