"""v1 options of multiselect fields, on fields of any model: add, change, remove, reorder.

The same commands as the persons API, with the v1 field's ETag (which also covers the
field's mappings) for If-Match and in every answer.
"""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from service.auth import principal
from service.commands.options import AddOption, RemoveOption, ReorderOptions, UpdateOption
from service.handlers.common import checked
from service.jsonbody import read_json
from service.representations import option_answer
from service.routing import RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.common import OptionPatchSchema, OptionSchema
from service.schemas.v1 import V1OptionOrderSchema
from service.writes import Answer, created, etag, if_match, perform

routes = Routes("v1")
option_schema, patch_schema = OptionSchema(), OptionPatchSchema()
order_schema = V1OptionOrderSchema()
OPTIONS = "/custom-fields/{field_id}/options"


def _answer(status: int, body: Callable[[dict[str, Any]], Any]) -> Callable[[dict], Answer]:
    return lambda result: (status, body(result), etag(result["tag"]))


def _status(result: dict[str, Any]) -> dict[str, Any]:
    return {"id": result["id"], "status": "SUCCESS"}


def _ids(request: web.Request) -> tuple[str, str]:
    return principal(request).org_id, request.match_info["field_id"]


@routes.post(OPTIONS, summary="Add an option to a multiselect field",
             ok={201: r.PersonsOptionSchema}, body=OptionSchema, scope=RESOURCE,
             operation_id="create_custom_field_option", etag=True, if_match=True)
async def add_option(request: web.Request) -> web.Response:
    data = option_schema.load(await read_json(request))
    command = AddOption(*_ids(request), data["value"], data["color"], if_match(request),
                        tag_covers_mappings=True)
    return await perform(request, checked(request, command), lambda result: (
        201, option_answer(result), {**etag(result["tag"]), **created(request, result["id"])}))


@routes.put(OPTIONS + "/order", summary="Reorder a field's options", ok={200: r.StatusSchema},
            body=V1OptionOrderSchema, scope=RESOURCE,
            operation_id="reorder_custom_field_options", etag=True)
async def reorder_options(request: web.Request) -> web.Response:
    data = order_schema.load(await read_json(request))
    command = ReorderOptions(*_ids(request), data["option_ids"], if_match(request),
                             tag_covers_mappings=True)
    return await perform(request, checked(request, command), _answer(200, _status))


@routes.patch(OPTIONS + "/{option_id}", summary="Change an option's value or colour",
              ok={200: r.PersonsOptionSchema}, body=OptionPatchSchema, scope=RESOURCE,
              operation_id="update_custom_field_option", etag=True)
async def update_option(request: web.Request) -> web.Response:
    changes = patch_schema.load(await read_json(request))
    command = UpdateOption(*_ids(request), request.match_info["option_id"], changes,
                           if_match(request), tag_covers_mappings=True)
    return await perform(request, checked(request, command), _answer(200, option_answer))


@routes.delete(OPTIONS + "/{option_id}", summary="Remove an option", ok={200: r.StatusSchema},
               scope=RESOURCE, operation_id="delete_custom_field_option", etag=True)
async def remove_option(request: web.Request) -> web.Response:
    command = RemoveOption(*_ids(request), request.match_info["option_id"], if_match(request),
                           tag_covers_mappings=True)
    return await perform(request, checked(request, command), _answer(200, _status))
