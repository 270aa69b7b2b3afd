"""The OpenAPI 3.1 document of both APIs, generated from the marshmallow schemas.

`OPERATIONS` describes each route (by method and path) with the schemas it reads and
answers; `build_spec` walks the app's router, so a route without an entry here is
reported by `undocumented_routes` (and a test fails on it).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from service.auth import public
from service.schemas import audit, persons, responses as r, v1
from service.schemas.common import OptionOrderSchema, PageSchema

BEARER, PERSONS, PUBLIC = "bearer", "persons", "public"


@dataclass(frozen=True)
class Op:
    summary: str
    tag: str
    ok: dict[int, Any]                 # status -> schema class, None (no body) or "any"
    query: type | None = None
    body: type | None = None
    auth: str = BEARER
    extra_headers: dict[str, str] = field(default_factory=dict)  # response headers
    writes: bool = True  # False for a POST that changes nothing (preview)


def _ops() -> dict[tuple[str, str], Op]:
    F = "/api/v1/custom-fields"
    P = "/custom-fields"
    return {
        ("GET", "/healthz"): Op("Liveness", "operations", {200: r.HealthSchema}, auth=PUBLIC),
        ("GET", "/readyz"): Op("Readiness", "operations", {200: r.HealthSchema}, auth=PUBLIC),
        ("GET", "/metrics"): Op("Prometheus metrics", "operations", {200: "text"}, auth=PUBLIC),
        ("GET", "/api/v1/openapi.json"): Op("This document", "operations", {200: "any"},
                                            auth=PUBLIC),
        ("GET", "/api/v1/lookup/models"): Op(
            "Models you can extend", "lookups", {200: r.ModelsSchema}),
        ("GET", "/api/v1/lookup/integrations"): Op(
            "Integrations enabled for your organization", "lookups",
            {200: r.IntegrationsSchema}),
        ("GET", "/api/v1/events"): Op("The organization's event log", "audit",
                                      {200: r.EventListSchema},
                                      query=audit.EventsQuerySchema),
        ("GET", F + "/{field_id}/history"): Op("A field's history", "audit",
                                               {200: r.HistorySchema},
                                               query=audit.HistoryQuerySchema),
        ("GET", F + "/raw-data"): Op("The raw upstream document", "v1",
                                     {200: "any"}, query=v1.ScopeQuerySchema,
                                     extra_headers={"X-Raw-Data-Source": "connector_sync or "
                                                    "integration_sample"}),
        ("POST", F + "/preview"): Op("Evaluate a JMESPath without saving", "v1",
                                     {200: r.PreviewResultSchema}, body=v1.PreviewSchema,
                                     writes=False),
        ("GET", F + "/configuration"): Op("Effective configuration of a connector", "v1",
                                          {200: r.ConfigurationSchema},
                                          query=v1.ConnectorModelQuerySchema),
        ("GET", F + "/values"): Op("Resolved values on synced rows", "v1",
                                   {200: r.ValuesSchema}, query=v1.ValuesQuerySchema),
        ("POST", F + "/mapping"): Op("Create a mapping", "v1", {201: r.StatusSchema},
                                     body=v1.MappingCreateSchema),
        ("PATCH", F + "/mapping/{mapping_id}"): Op("Change a mapping's json_path", "v1",
                                                   {200: r.StatusSchema},
                                                   body=v1.MappingPatchSchema),
        ("DELETE", F + "/mapping/{mapping_id}"): Op("Delete a mapping", "v1",
                                                    {200: r.StatusSchema}),
        ("POST", "/api/v1/connectors"): Op("Create a connector", "v1",
                                           {201: r.ConnectorCreatedSchema},
                                           body=v1.ConnectorCreateSchema),
        ("GET", "/api/v1/connectors"): Op("List connectors", "v1", {200: r.ConnectorListSchema},
                                          query=PageSchema),
        ("POST", "/api/v1/connectors/{connector_token}/sync"): Op(
            "Push upstream rows", "v1", {200: r.SyncResultSchema}, body=v1.SyncSchema),
        ("POST", F): Op("Create a custom field", "v1", {201: r.StatusSchema},
                        body=v1.FieldCreateSchema),
        ("GET", F): Op("List custom fields", "v1", {200: r.V1FieldListSchema},
                       query=v1.FieldListSchema),
        ("GET", F + "/{field_id}"): Op("A custom field with its mappings", "v1",
                                       {200: r.V1FieldWithMappingsSchema}),
        ("DELETE", F + "/{field_id}"): Op("Delete a field (cascades)", "v1",
                                          {200: r.StatusSchema}),
        ("GET", P): Op("List custom fields", "persons", {200: r.PersonsFieldListSchema},
                       query=persons.PersonsFieldListSchema, auth=PERSONS),
        ("POST", P): Op("Create a custom field", "persons", {201: r.PersonsFieldSchema},
                        body=persons.PersonsFieldCreateSchema, auth=PERSONS),
        ("GET", P + "/{field_id}"): Op("Retrieve a custom field", "persons",
                                       {200: r.PersonsFieldSchema}, auth=PERSONS),
        ("PATCH", P + "/{field_id}"): Op("Update a custom field", "persons",
                                         {200: r.PersonsFieldSchema},
                                         body=persons.PersonsFieldPatchSchema, auth=PERSONS),
        ("DELETE", P + "/{field_id}"): Op("Delete a custom field", "persons", {204: None},
                                          auth=PERSONS),
        ("POST", P + "/{field_id}/options"): Op("Create a field option", "persons",
                                                {201: r.PersonsOptionSchema},
                                                body=persons.PersonsOptionCreateSchema,
                                                auth=PERSONS),
        ("PUT", P + "/{field_id}/options/order"): Op("Reorder options", "persons",
                                                     {200: r.PersonsFieldSchema},
                                                     body=OptionOrderSchema, auth=PERSONS),
        ("PATCH", P + "/{field_id}/options/{option_id}"): Op(
            "Update an option", "persons", {200: r.PersonsOptionSchema},
            body=persons.PersonsOptionPatchSchema, auth=PERSONS),
        ("DELETE", P + "/{field_id}/options/{option_id}"): Op(
            "Delete an option", "persons", {204: None}, auth=PERSONS),
    }


OPERATIONS = _ops()
PROBLEM = {"application/problem+json": {"schema": "Problem"}}


def routes_of(app: web.Application) -> list[tuple[str, str]]:
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and route.method != "HEAD":
            found.append((route.method, path))
    return found


def undocumented_routes(app: web.Application) -> list[tuple[str, str]]:
    return [key for key in routes_of(app) if key not in OPERATIONS]


def _content(schema: Any) -> dict[str, Any]:
    if schema == "text":
        return {"text/plain": {"schema": {"type": "string"}}}
    if schema == "any":
        return {"application/json": {"schema": {}}}
    return {"application/json": {"schema": schema}}


def _operation(method: str, path: str, op: Op) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)]
    if op.query is not None:
        params.append({"in": "query", "schema": op.query})
    if op.auth == PERSONS:
        params.append({"in": "header", "name": "organizationSlug", "required": True,
                       "schema": {"type": "string"}})
    if method in ("POST", "PATCH", "PUT", "DELETE") and op.auth != PUBLIC and op.writes:
        params.append({"in": "header", "name": "Idempotency-Key", "required": False,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": "^[\\x21-\\x7e]+$"}})
    if method in ("PATCH", "DELETE", "PUT"):
        params.append({"in": "header", "name": "If-Match", "required": False,
                       "schema": {"type": "string",
                                  "pattern": '^\\s*(\\*|(W/)?"[0-9a-f.]{1,64}")\\s*$'}})
    responses: dict[str, Any] = {}
    for status, schema in op.ok.items():
        response: dict[str, Any] = {"description": op.summary}
        if schema is not None:
            response["content"] = _content(schema)
        if op.extra_headers:
            response["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                   for name, text in op.extra_headers.items()}
        responses[str(status)] = response
    responses["default"] = {"description": "A problem (RFC 9457)", "content": PROBLEM}
    operation: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                 "parameters": params, "responses": responses,
                                 "operationId": f"{method.lower()}_{path}"}
    if op.body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": op.body}}}
    if op.auth == PUBLIC:
        operation["security"] = []
    return operation


def build_spec(app: web.Application) -> dict[str, Any]:
    spec = APISpec(title="Custom Fields Service", version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "The v1 API (/api/v1) and the persons API "
                                        "(/custom-fields) over one domain."})
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=r.ProblemSchema)
    spec.options["security"] = [{"bearerAuth": []}]
    by_path: dict[str, dict[str, Any]] = {}
    for method, path in routes_of(app):
        op = OPERATIONS.get((method, path))
        if op is not None:
            by_path.setdefault(path, {})[method.lower()] = _operation(method, path, op)
    for path, operations in by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


openapi_routes = web.RouteTableDef()
openapi_cache_key = web.AppKey("openapi_cache", dict)


@openapi_routes.get("/api/v1/openapi.json")
@public
async def openapi_document(request: web.Request) -> web.Response:
    cache = request.app[openapi_cache_key]
    if "document" not in cache:  # built once, when the router is complete
        cache["document"] = build_spec(request.app)
    return web.json_response(cache["document"])
