"""The persons API (/custom-fields...): the (CRM, person) model in camelCase.

Every route needs the Bearer key and the `organizationSlug` header (the sub-app's
`persons_auth`). Writes run the shared commands with `scope=PERSONS_MODEL`, so a field
of another model is not found here, and answer with an `ETag: "<version>"` of the
field, read inside the write's own transaction so the body and the tag describe the
state that write produced; a client may send it back as `If-Match` to have the write
refused (412) if the field changed meanwhile.
"""

from collections.abc import Callable
from typing import Any

from aiohttp import web

from service.auth import principal
from service.commands import Command
from service.commands.base import Tx
from service.commands.fields import CreateField, DeleteField, UpdateField, field_snapshot, in_scope
from service.commands.options import AddOption, RemoveOption, ReorderOptions, UpdateOption
from service.errors import FieldNotFound
from service.handlers.common import backend, checked, json_response, query
from service.jsonbody import read_json
from service.representations import persons_field, persons_option
from service.routing import CREATE, LISTING, RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.persons import (
    PersonsFieldCreateSchema,
    PersonsFieldListSchema,
    PersonsFieldPatchSchema,
    PersonsOptionCreateSchema,
    PersonsOptionOrderSchema,
    PersonsOptionPatchSchema,
)
from service.writes import Answer, created, etag, if_match, perform

PERSONS_MODEL = ("CRM", "person")
# The persons list is not paginated (the document has no cursor): one query, this bound.
LIST_BOUND = 10_000

routes = Routes("persons")
create_schema, patch_schema = PersonsFieldCreateSchema(), PersonsFieldPatchSchema()
list_schema = PersonsFieldListSchema()
option_schema, option_patch_schema = PersonsOptionCreateSchema(), PersonsOptionPatchSchema()
order_schema = PersonsOptionOrderSchema()
Result = dict[str, Any]


def _with_field(request: web.Request, command: Command[Result]) -> Callable[[Tx], Result]:
    """The command's unit, returning {"result", "field"}: its result, and the field (the
    result's id) as the write leaves it."""
    unit, org_id = checked(request, command), principal(request).org_id

    def with_field(tx: Tx) -> Result:
        result = unit(tx)
        return {"result": result, "field": field_snapshot(tx, org_id, result["id"])}
    return with_field


def _field_answer(status: int = 200) -> Callable[[Result], Answer]:
    return lambda out: (status, persons_field(out["field"]), etag(out["field"]["version"]))


def _option_answer(status: int = 200) -> Callable[[Result], Answer]:
    return lambda out: (status, persons_option(out), etag(out["version"]))


def _field_id(request: web.Request) -> str:
    return request.match_info["field_id"]


@routes.get("", summary="List custom fields", ok={200: r.PersonsFieldListSchema},
            query=PersonsFieldListSchema, scope=LISTING,
            operation_id="persons_list_custom_fields")
async def list_fields(request: web.Request) -> web.Response:
    params = query(request, list_schema)
    category, model = PERSONS_MODEL
    rows = await backend(request).queries.list_fields(
        principal(request).org_id, category=category, model=model, type_=params["type"],
        limit=LIST_BOUND)
    return json_response({"customFields": [persons_field(f) for f in rows]})


@routes.post("", summary="Create a custom field", ok={201: r.PersonsFieldSchema},
             body=PersonsFieldCreateSchema, scope=CREATE,
             operation_id="persons_create_custom_field", etag=True)
async def create_field(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    category, model = PERSONS_MODEL
    command = CreateField(org_id=principal(request).org_id, category=category, model=model,
                          source="API", **data)
    return await perform(request, _with_field(request, command), lambda out: (
        201, persons_field(out["field"]),
        {**etag(out["field"]["version"]), **created(request, out["field"]["id"])}))


@routes.get("/{field_id}", summary="Retrieve a custom field", ok={200: r.PersonsFieldSchema},
            scope=RESOURCE, operation_id="persons_get_custom_field", etag=True)
async def get_field(request: web.Request) -> web.Response:
    field_id = _field_id(request)
    field = await backend(request).queries.field(principal(request).org_id, field_id)
    if not in_scope(field, PERSONS_MODEL):
        raise FieldNotFound(field_id)
    return json_response(persons_field(field), headers=etag(field["version"]))


@routes.patch("/{field_id}", summary="Update a custom field", ok={200: r.PersonsFieldSchema},
              body=PersonsFieldPatchSchema, scope=RESOURCE,
              operation_id="persons_update_custom_field", etag=True)
async def update_field(request: web.Request) -> web.Response:
    changes = patch_schema.load(await read_json(request))
    command = UpdateField(principal(request).org_id, _field_id(request), changes,
                          if_match(request), scope=PERSONS_MODEL,
                          number_format_attribute="numberFormat")
    return await perform(request, _with_field(request, command), _field_answer())


@routes.delete("/{field_id}", summary="Delete a custom field", ok={204: None}, scope=RESOURCE,
               operation_id="persons_delete_custom_field")
async def delete_field(request: web.Request) -> web.Response:
    command = DeleteField(principal(request).org_id, _field_id(request), if_match(request),
                          scope=PERSONS_MODEL)
    return await perform(request, checked(request, command),
                         lambda result: (204, None, {}))


@routes.post("/{field_id}/options", summary="Create a field option",
             ok={201: r.PersonsOptionSchema}, body=PersonsOptionCreateSchema, scope=RESOURCE,
             operation_id="persons_create_option", etag=True, if_match=True)
async def add_option(request: web.Request) -> web.Response:
    data = option_schema.load(await read_json(request))
    command = AddOption(principal(request).org_id, _field_id(request), data["value"],
                        data["color"], if_match(request), scope=PERSONS_MODEL)
    return await perform(request, checked(request, command), lambda out: (
        201, persons_option(out), {**etag(out["version"]), **created(request, out["id"])}))


@routes.put("/{field_id}/options/order", summary="Reorder options",
            ok={200: r.PersonsFieldSchema}, body=PersonsOptionOrderSchema, scope=RESOURCE,
            operation_id="persons_reorder_options", etag=True)
async def reorder_options(request: web.Request) -> web.Response:
    data = order_schema.load(await read_json(request))
    command = ReorderOptions(principal(request).org_id, _field_id(request),
                             data["option_ids"], if_match(request), scope=PERSONS_MODEL,
                             option_ids_attribute="optionIds")
    return await perform(request, _with_field(request, command),
                         _field_answer())


@routes.patch("/{field_id}/options/{option_id}", summary="Update an option",
              ok={200: r.PersonsOptionSchema}, body=PersonsOptionPatchSchema, scope=RESOURCE,
              operation_id="persons_update_option", etag=True)
async def update_option(request: web.Request) -> web.Response:
    changes = option_patch_schema.load(await read_json(request))
    command = UpdateOption(principal(request).org_id, _field_id(request),
                           request.match_info["option_id"], changes, if_match(request),
                           scope=PERSONS_MODEL)
    return await perform(request, checked(request, command), _option_answer())


@routes.delete("/{field_id}/options/{option_id}", summary="Delete an option", ok={204: None},
               scope=RESOURCE, operation_id="persons_delete_option", etag=True)
async def remove_option(request: web.Request) -> web.Response:
    command = RemoveOption(principal(request).org_id, _field_id(request),
                           request.match_info["option_id"], if_match(request),
                           scope=PERSONS_MODEL)
    return await perform(request, checked(request, command),
                         lambda result: (204, None, etag(result["version"])))


