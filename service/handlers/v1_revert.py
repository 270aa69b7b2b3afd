"""v1: revert a field to an earlier version (service.commands.revert), answered with the
field as `GET /api/v1/custom-fields/{id}` shows it and its ETag."""

from aiohttp import web

from service.auth import principal
from service.commands.revert import RevertField
from service.handlers.common import checked
from service.jsonbody import read_json
from service.representations import v1_field
from service.routing import RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.v1 import RevertSchema
from service.writes import etag, if_match, perform

routes = Routes("v1")
revert_schema = RevertSchema()


@routes.post("/custom-fields/{field_id}/revert", summary="Revert a field to an earlier "
             "version: its definition, options and mappings as they were then, as new events",
             ok={200: r.V1FieldWithMappingsSchema}, body=RevertSchema, scope=RESOURCE,
             operation_id="revert_custom_field", etag=True, if_match=True)
async def revert_field(request: web.Request) -> web.Response:
    data = revert_schema.load(await read_json(request))
    command = RevertField(principal(request).org_id, request.match_info["field_id"],
                          data["to_version"], if_match(request))
    return await perform(request, checked(request, command), lambda result: (
        200, v1_field(result["field"], result["mappings"]), etag(result["tag"])))
