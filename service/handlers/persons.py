"""The persons API (/custom-fields...): the (CRM, person) model in camelCase.

Every route needs the Bearer key and the `organizationSlug` header (`needs_org_slug`).
Writes go through `service.writes.perform` (Idempotency-Key) and answer with an
`ETag: "<version>"` of the field, read inside the write's own transaction so the body and
the tag describe the state that write produced; a client may send it back as `If-Match`
to have the write refused (412) if the field changed meanwhile.
"""

from functools import partial
from typing import Any

from aiohttp import web

from events import WriteTransaction
from projections import queries
from service.appkeys import catalogue_key, store_key
from service.auth import needs_org_slug, principal
from service.commands import fields as commands
from service.errors import NotFound
from service.handlers.common import json_response, metadata, query
from service.jsonbody import read_json
from service.representations import persons_field, persons_option
from service.schemas.persons import (PersonsFieldCreateSchema, PersonsFieldListSchema,
                                     PersonsFieldPatchSchema, PersonsOptionCreateSchema,
                                     PersonsOptionOrderSchema, PersonsOptionPatchSchema)
from service.writes import etag, if_match, perform

CATEGORY, MODEL = "CRM", "person"
# The persons list is not paginated (the document has no cursor): one query, this bound.
LIST_BOUND = 10_000

routes = web.RouteTableDef()
create_schema, patch_schema = PersonsFieldCreateSchema(), PersonsFieldPatchSchema()
list_schema = PersonsFieldListSchema()
option_schema, option_patch_schema = PersonsOptionCreateSchema(), PersonsOptionPatchSchema()
order_schema = PersonsOptionOrderSchema()


def _snapshot(tx: WriteTransaction, org_id: str, field_id: str) -> dict[str, Any]:
    """The field as this transaction leaves it, in the shape persons_field reads."""
    field = commands.load_field(tx.conn, org_id, field_id)
    field["options"] = [{"id": i, "value": v, "color": c}
                        for i, v, c in commands.option_rows(tx.conn, field_id)]
    return field


def _persons_field_or_404(field: dict[str, Any] | None, field_id: str) -> dict[str, Any]:
    # A field of another model (e.g. an HRIS employee field) is not a persons field.
    if field is None or (field["category"], field["model"]) != (CATEGORY, MODEL):
        raise NotFound(f"no custom field with id {field_id!r}")
    return field


def _check_persons(tx: WriteTransaction, org_id: str, field_id: str) -> None:
    _persons_field_or_404(commands.load_field(tx.conn, org_id, field_id), field_id)


def _field_write(command, snapshot: bool = True, **kwargs):
    """A unit: check the field is a persons field, run the command, then snapshot the
    field (or, for answers about one option, read only its version)."""
    org_id, field_id = kwargs["org_id"], kwargs["field_id"]

    def unit(tx: WriteTransaction) -> tuple[dict[str, Any], dict[str, Any]]:
        _check_persons(tx, org_id, field_id)
        result = command(tx, **kwargs)
        if snapshot:
            return result, _snapshot(tx, org_id, field_id)
        return result, {"version": tx.stream_version(commands.field_stream(field_id))}
    return unit


def _field_answer(status: int = 200):
    """(status, field, ETag) from a (command result, snapshot) pair."""
    return lambda r: (status, persons_field(r[1]), etag(r[1]["version"]))


def _option_answer(status: int = 200):
    return lambda r: (status, persons_option(r[0]), etag(r[1]["version"]))


@routes.get("/custom-fields")
@needs_org_slug
async def list_fields(request: web.Request) -> web.Response:
    params = query(request, list_schema)
    rows = await queries.list_fields(request.app[store_key].reader, principal(request).org_id,
                                     category=CATEGORY, model=MODEL, type_=params["type"],
                                     limit=LIST_BOUND)
    return json_response({"customFields": [persons_field(f) for f in rows]})


@routes.post("/custom-fields")
@needs_org_slug
async def create_field(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    org_id = principal(request).org_id
    create = partial(commands.create_field, org_id=org_id, catalogue=request.app[catalogue_key],
                     category=CATEGORY, model=MODEL, source="API", meta=metadata(request),
                     **data)

    def unit(tx: WriteTransaction) -> tuple[dict[str, Any], dict[str, Any]]:
        result = create(tx)
        return result, _snapshot(tx, org_id, result["id"])
    return await perform(request, unit, _field_answer(201))


@routes.get("/custom-fields/{field_id}")
@needs_org_slug
async def get_field(request: web.Request) -> web.Response:
    field_id = request.match_info["field_id"]
    field = _persons_field_or_404(await queries.field(
        request.app[store_key].reader, principal(request).org_id, field_id), field_id)
    return json_response(persons_field(field), headers=etag(field["version"]))


@routes.patch("/custom-fields/{field_id}")
@needs_org_slug
async def update_field(request: web.Request) -> web.Response:
    changes = patch_schema.load(await read_json(request))
    return await perform(request, _field_write(
        commands.update_field, org_id=principal(request).org_id,
        field_id=request.match_info["field_id"], changes=changes, if_match=if_match(request),
        meta=metadata(request)), _field_answer())


@routes.delete("/custom-fields/{field_id}")
@needs_org_slug
async def delete_field(request: web.Request) -> web.Response:
    return await perform(request, _field_write(
        commands.delete_field, snapshot=False, org_id=principal(request).org_id,
        field_id=request.match_info["field_id"], if_match=if_match(request),
        meta=metadata(request)), lambda r: (204, None, {}))


@routes.post("/custom-fields/{field_id}/options")
@needs_org_slug
async def add_option(request: web.Request) -> web.Response:
    data = option_schema.load(await read_json(request))
    return await perform(request, _field_write(
        commands.add_option, snapshot=False, org_id=principal(request).org_id,
        field_id=request.match_info["field_id"], value=data["value"], color=data["color"],
        if_match=if_match(request), meta=metadata(request)), _option_answer(201))


@routes.put("/custom-fields/{field_id}/options/order")
@needs_org_slug
async def reorder_options(request: web.Request) -> web.Response:
    data = order_schema.load(await read_json(request))
    return await perform(request, _field_write(
        commands.reorder_options, org_id=principal(request).org_id,
        field_id=request.match_info["field_id"], option_ids=data["option_ids"],
        if_match=if_match(request), meta=metadata(request)), _field_answer())


@routes.patch("/custom-fields/{field_id}/options/{option_id}")
@needs_org_slug
async def update_option(request: web.Request) -> web.Response:
    changes = option_patch_schema.load(await read_json(request))
    return await perform(request, _field_write(
        commands.update_option, snapshot=False, org_id=principal(request).org_id,
        field_id=request.match_info["field_id"], option_id=request.match_info["option_id"],
        changes=changes, if_match=if_match(request), meta=metadata(request)),
        _option_answer())


@routes.delete("/custom-fields/{field_id}/options/{option_id}")
@needs_org_slug
async def remove_option(request: web.Request) -> web.Response:
    return await perform(request, _field_write(
        commands.remove_option, snapshot=False, org_id=principal(request).org_id,
        field_id=request.match_info["field_id"], option_id=request.match_info["option_id"],
        if_match=if_match(request), meta=metadata(request)),
        lambda r: (204, None, etag(r[1]["version"])))
