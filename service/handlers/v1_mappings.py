"""v1 mappings: create (integration- or connector-scoped; one, or up to 500 at once, all
or nothing), PATCH json_path, delete."""

from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from service.auth import principal
from service.commands.batch import Batch, refusal
from service.commands.mappings import CreateMapping, DeleteMapping, UpdateMapping
from service.handlers.common import checked
from service.jsonbody import read_json
from service.routing import CREATE, RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.definitions import MappingBulkSchema, MappingsCreatedSchema
from service.schemas.v1 import MappingCreateSchema, MappingPatchSchema
from service.writes import Answer, created, etag, if_match, perform

routes = Routes("v1")
create_schema, patch_schema = MappingCreateSchema(), MappingPatchSchema()
bulk_schema = MappingBulkSchema()


def _status(status: int, with_tag: bool = True, request: web.Request | None = None):
    """{"id", "status": "SUCCESS"}, with the mapping's ETag, and its Location when
    `request` (a create) is given."""
    def respond(result: dict[str, Any]) -> Answer:
        headers = etag(result["version"]) if with_tag else {}
        if request is not None:
            headers.update(created(request, result["id"]))
        return status, {"id": result["id"], "status": "SUCCESS"}, headers
    return respond


@routes.post("/custom-fields/mapping", summary="Create a mapping", ok={201: r.StatusSchema},
             body=MappingCreateSchema, scope=RESOURCE, operation_id="create_mapping", etag=True)
async def create_mapping(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    command = CreateMapping(org_id=principal(request).org_id, **data)
    return await perform(request, checked(request, command),
                         _status(201, request=request))


@routes.post("/custom-fields/mapping/bulk", summary="Create up to 500 mappings in one "
             "transaction, all or nothing", ok={201: MappingsCreatedSchema},
             body=MappingBulkSchema, scope=CREATE, operation_id="create_mappings_in_bulk")
async def create_mappings_in_bulk(request: web.Request) -> web.Response:
    """Each item is the single create's body and runs its command; any refusal (an
    item's shape, a rule, a duplicate, in the batch too) is 422 BATCH_REFUSED with every
    refused item's problem by index, and nothing is written. The Location names the
    first mapping."""
    items = bulk_schema.load(await read_json(request))["mappings"]
    org_id = principal(request).org_id
    steps: list = []
    refused = {}
    for index, item in enumerate(items):
        if isinstance(item, ValidationError):
            refused[str(index)] = refusal(item)
            steps.append((str(index), None))
        else:
            steps.append((str(index), CreateMapping(org_id=org_id, **item)))
    batch = Batch(tuple(steps), refused, noun="mappings")

    def respond(result: dict[str, Any]) -> Answer:
        ids = [result[str(n)]["id"] for n in range(len(result))]
        location = request.path.rsplit("/", 1)[0] + "/" + ids[0]
        return 201, {"ids": ids}, {"Location": location}
    return await perform(request, checked(request, batch), respond)


@routes.patch("/custom-fields/mapping/{mapping_id}", summary="Change a mapping's json_path",
              ok={200: r.StatusSchema}, body=MappingPatchSchema, scope=RESOURCE,
              operation_id="update_mapping", etag=True)
async def update_mapping(request: web.Request) -> web.Response:
    data = patch_schema.load(await read_json(request))
    command = UpdateMapping(principal(request).org_id, request.match_info["mapping_id"],
                            data["json_path"], if_match(request))
    return await perform(request, checked(request, command),
                         _status(200))


@routes.delete("/custom-fields/mapping/{mapping_id}", summary="Delete a mapping",
               ok={200: r.StatusSchema}, scope=RESOURCE, operation_id="delete_mapping")
async def delete_mapping(request: web.Request) -> web.Response:
    command = DeleteMapping(principal(request).org_id, request.match_info["mapping_id"],
                            if_match(request))
    return await perform(request, checked(request, command),
                         _status(200, with_tag=False))
