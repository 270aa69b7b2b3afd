"""v1 custom fields: create, list, get (with mappings), delete (cascading)."""

from aiohttp import web

from service import rules
from service.appkeys import read_cache_key
from service.auth import principal
from service.commands.fields import CreateField, DeleteField, UpdateField, field_tag
from service.errors import FieldNotFound, MethodNotAllowed
from service.handlers.common import (
    backend,
    checked,
    context,
    decode_cursor,
    json_response,
    page_limit,
    paginate,
    query,
)
from service.jsonbody import read_json
from service.jsontext import dumps_bytes
from service.representations import v1_field
from service.routing import CREATE, LISTING, RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.v1 import FieldCreateSchema, FieldListSchema, FieldPatchSchema
from service.writes import created, etag, if_match, perform

routes = Routes("v1")
create_schema, list_schema = FieldCreateSchema(), FieldListSchema()
patch_schema = FieldPatchSchema()


@routes.post("/custom-fields", summary="Create a custom field", ok={201: r.StatusSchema},
             body=FieldCreateSchema, scope=CREATE, operation_id="create_custom_field", etag=True)
async def create_field(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    command = CreateField(org_id=principal(request).org_id, source="API", **data)
    return await perform(request, checked(request, command),
                         lambda result: (201, {"id": result["id"], "status": "SUCCESS"},
                                         {**etag(result["version"]),
                                          **created(request, result["id"])}))


@routes.get("/custom-fields", summary="List custom fields", ok={200: r.V1FieldListSchema},
            query=FieldListSchema, scope=LISTING, operation_id="list_custom_fields", reuse=True)
async def list_fields(request: web.Request) -> web.Response:
    params = query(request, list_schema)
    rules.require_filter(context(request).catalogue, params["category"], params["model"])
    limit = page_limit(request, params["limit"])
    org_id = principal(request).org_id

    async def compute() -> bytes:
        rows = await backend(request).queries.list_fields(
            org_id, category=params["category"], model=params["model"],
            source=params["source"], type_=params["type"],
            after=decode_cursor(params["cursor"]), limit=limit + 1)
        rows, cursor = paginate(rows, limit, lambda f: f["id"])
        return dumps_bytes({"custom_fields": [v1_field(f) for f in rows],
                            "next_cursor": cursor})

    key = ("v1-fields", org_id, request.query_string)  # the parameters come from it alone
    return web.Response(body=await request.app[read_cache_key].get(key, compute),
                        content_type="application/json", charset="utf-8")


@routes.get("/custom-fields/{field_id}", summary="A custom field with its mappings",
            ok={200: r.V1FieldWithMappingsSchema}, scope=RESOURCE,
            operation_id="get_custom_field", etag=True)
async def get_field(request: web.Request) -> web.Response:
    queries = backend(request).queries
    field_id = request.match_info["field_id"]
    if field_id == "mapping":  # /custom-fields/mapping is the mappings' route, not a field
        raise MethodNotAllowed(
            "mappings are not listed: GET /api/v1/custom-fields/{id} shows a field with its "
            "mappings; POST /api/v1/custom-fields/mapping creates one; PATCH and DELETE "
            "/api/v1/custom-fields/mapping/{mapping_id} change or remove one", allow=["POST"])
    if field_id == "import":  # /custom-fields/import applies a definitions document
        raise MethodNotAllowed(
            "POST /api/v1/custom-fields/import applies a definitions document; GET "
            "/api/v1/custom-fields/export reads one", allow=["POST"])
    field = await queries.field(principal(request).org_id, field_id)
    if field is None:
        raise FieldNotFound(field_id)
    mappings = await queries.field_mappings(field["id"])
    tag = field_tag(field["version"], [(m["id"], m["version"]) for m in mappings])
    return json_response(v1_field(field, mappings), headers=etag(tag))


@routes.patch("/custom-fields/{field_id}", summary="Change a field's name, description, "
              "type (safe changes only) or number format", ok={200: r.StatusSchema},
              body=FieldPatchSchema, scope=RESOURCE, operation_id="update_custom_field",
              etag=True)
async def update_field(request: web.Request) -> web.Response:
    changes = patch_schema.load(await read_json(request))
    command = UpdateField(principal(request).org_id, request.match_info["field_id"], changes,
                          if_match(request), tag_covers_mappings=True)
    return await perform(request, checked(request, command),
                         lambda result: (200, {"id": result["id"], "status": "SUCCESS"},
                                         etag(result["tag"])))


@routes.delete("/custom-fields/{field_id}", summary="Delete a field (cascades)",
               ok={200: r.StatusSchema}, scope=RESOURCE, operation_id="delete_custom_field")
async def delete_field(request: web.Request) -> web.Response:
    command = DeleteField(principal(request).org_id, request.match_info["field_id"],
                          if_match(request), tag_covers_mappings=True)
    return await perform(request, checked(request, command),
                         lambda result: (200, {"id": result["id"], "status": "SUCCESS"}, {}))
