"""v1 custom fields: create, list, get (with mappings), delete (cascading)."""

from functools import partial

from aiohttp import web

from projections import queries
from service.appkeys import catalogue_key, store_key
from service.auth import principal
from service.commands import fields as commands
from service.errors import NotFound
from service.handlers.common import (decode_cursor, json_response, metadata, page_limit,
                                     paginate, query)
from service.jsonbody import read_json
from service.jsontext import dumps_bytes
from service.readcache import read_cache_key
from service.writes import etag, if_match, perform
from service.representations import v1_field
from service.schemas.v1 import FieldCreateSchema, FieldListSchema

routes = web.RouteTableDef()
create_schema, list_schema = FieldCreateSchema(), FieldListSchema()


@routes.post("/api/v1/custom-fields")
async def create_field(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    unit = partial(commands.create_field, org_id=principal(request).org_id,
                   catalogue=request.app[catalogue_key], source="API", meta=metadata(request),
                   **data)
    return await perform(request, unit, lambda r: (
        201, {"id": r["id"], "status": "SUCCESS"}, etag(r["version"])))


@routes.get("/api/v1/custom-fields")
async def list_fields(request: web.Request) -> web.Response:
    params = query(request, list_schema)
    limit = page_limit(request, params["limit"])
    org_id = principal(request).org_id

    async def compute() -> bytes:
        rows = await queries.list_fields(
            request.app[store_key].reader, org_id, category=params["category"],
            model=params["model"], source=params["source"], type_=params["type"],
            after=decode_cursor(params["cursor"]), limit=limit + 1)
        rows, cursor = paginate(rows, limit, lambda f: f["id"])
        return dumps_bytes({"custom_fields": [v1_field(f) for f in rows],
                            "next_cursor": cursor})

    key = ("v1-fields", org_id, request.query_string)  # the parameters come from it alone
    return web.Response(body=await request.app[read_cache_key].get(key, compute),
                        content_type="application/json")


@routes.get("/api/v1/custom-fields/{field_id}")
async def get_field(request: web.Request) -> web.Response:
    reader = request.app[store_key].reader
    field = await queries.field(reader, principal(request).org_id, request.match_info["field_id"])
    if field is None:
        raise NotFound(f"no custom field with id {request.match_info['field_id']!r}")
    mappings = await queries.field_mappings(reader, field["id"])
    tag = commands.field_tag(field["version"], [(m["id"], m["version"]) for m in mappings])
    return json_response(v1_field(field, mappings), headers=etag(tag))


@routes.delete("/api/v1/custom-fields/{field_id}")
async def delete_field(request: web.Request) -> web.Response:
    unit = partial(commands.delete_field, org_id=principal(request).org_id,
                   field_id=request.match_info["field_id"], if_match=if_match(request),
                   tag_covers_mappings=True, meta=metadata(request))
    return await perform(request, unit, lambda r: (200, {"id": r["id"], "status": "SUCCESS"}, {}))
