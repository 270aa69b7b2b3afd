"""v1 mappings: create (integration- or connector-scoped), PATCH json_path, delete."""

from functools import partial

from aiohttp import web

from service.appkeys import catalogue_key, expressions_key, settings_key
from service.auth import principal
from service.commands import mappings as commands
from service.handlers.common import metadata
from service.jsonbody import read_json
from service.writes import etag, if_match, perform
from service.schemas.v1 import MappingCreateSchema, MappingPatchSchema

routes = web.RouteTableDef()
create_schema, patch_schema = MappingCreateSchema(), MappingPatchSchema()


def _check(request: web.Request, json_path: str) -> None:
    commands.check_expression(request.app[expressions_key], json_path,
                              request.app[settings_key].max_expression_length)


@routes.post("/api/v1/custom-fields/mapping")
async def create_mapping(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    _check(request, data["json_path"])
    unit = partial(commands.create_mapping, org_id=principal(request).org_id,
                   catalogue=request.app[catalogue_key], meta=metadata(request), **data)
    return await perform(request, unit, lambda r: (
        201, {"id": r["id"], "status": "SUCCESS"}, etag(r["version"])))


@routes.patch("/api/v1/custom-fields/mapping/{mapping_id}")
async def update_mapping(request: web.Request) -> web.Response:
    data = patch_schema.load(await read_json(request))
    _check(request, data["json_path"])
    unit = partial(commands.update_mapping, org_id=principal(request).org_id,
                   mapping_id=request.match_info["mapping_id"], json_path=data["json_path"],
                   if_match=if_match(request), meta=metadata(request))
    return await perform(request, unit, lambda r: (
        200, {"id": r["id"], "status": "SUCCESS"}, etag(r["version"])))


@routes.delete("/api/v1/custom-fields/mapping/{mapping_id}")
async def delete_mapping(request: web.Request) -> web.Response:
    unit = partial(commands.delete_mapping, org_id=principal(request).org_id,
                   mapping_id=request.match_info["mapping_id"], if_match=if_match(request),
                   meta=metadata(request))
    return await perform(request, unit, lambda r: (200, {"id": r["id"], "status": "SUCCESS"}, {}))
