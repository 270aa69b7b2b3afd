"""v1 mappings: create (integration- or connector-scoped), PATCH json_path, delete."""

from functools import partial

from aiohttp import web

from service.appkeys import catalogue_key, expressions_key, settings_key, store_key
from service.auth import principal
from service.commands import mappings as commands
from service.handlers.common import json_response, metadata
from service.jsonbody import read_json
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
    result = await request.app[store_key].write(partial(
        commands.create_mapping, org_id=principal(request).org_id,
        catalogue=request.app[catalogue_key], meta=metadata(request), **data))
    return json_response({"id": result["id"], "status": "SUCCESS"}, status=201)


@routes.patch("/api/v1/custom-fields/mapping/{mapping_id}")
async def update_mapping(request: web.Request) -> web.Response:
    data = patch_schema.load(await read_json(request))
    _check(request, data["json_path"])
    result = await request.app[store_key].write(partial(
        commands.update_mapping, org_id=principal(request).org_id,
        mapping_id=request.match_info["mapping_id"], json_path=data["json_path"],
        meta=metadata(request)))
    return json_response({"id": result["id"], "status": "SUCCESS"})


@routes.delete("/api/v1/custom-fields/mapping/{mapping_id}")
async def delete_mapping(request: web.Request) -> web.Response:
    result = await request.app[store_key].write(partial(
        commands.delete_mapping, org_id=principal(request).org_id,
        mapping_id=request.match_info["mapping_id"], meta=metadata(request)))
    return json_response({"id": result["id"], "status": "SUCCESS"})
