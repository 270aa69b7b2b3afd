"""v1 connectors: create, list, and the sync ingest of upstream rows."""

from functools import partial

from aiohttp import web

from events.canonical import canonical_json
from projections import queries
from service.appkeys import catalogue_key, settings_key, store_key
from service.auth import principal
from service.commands import fields as field_commands
from service.commands import sync, tenancy
from service.errors import NotFound, PayloadTooLarge, ValidationFailed
from service.handlers.common import (decode_cursor, json_response, metadata, page_limit,
                                     paginate, query)
from service.jsonbody import read_json
from service.writes import perform
from service.representations import connector as connector_json
from service.schemas.common import PageSchema
from service.schemas.v1 import ConnectorCreateSchema, SyncSchema

routes = web.RouteTableDef()
create_schema, sync_schema, page_schema = ConnectorCreateSchema(), SyncSchema(), PageSchema()


async def own_connector(request: web.Request, token: str) -> dict:
    """The caller's connector with that token; another organization's is a 404."""
    row = await queries.connector_by_token(request.app[store_key].reader,
                                           principal(request).org_id, token)
    if row is None:
        raise NotFound("no connector with that token", code="CONNECTOR_NOT_FOUND")
    return row


@routes.post("/api/v1/connectors")
async def create_connector(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    unit = partial(tenancy.create_connector, org_id=principal(request).org_id,
                   integration_slug=data["integration_slug"], name=data["name"],
                   catalogue=request.app[catalogue_key], meta=metadata(request))
    return await perform(request, unit, lambda r: (201, r, {}))


@routes.get("/api/v1/connectors")
async def list_connectors(request: web.Request) -> web.Response:
    params = query(request, page_schema)
    limit = page_limit(request, params["limit"])
    rows = await queries.list_connectors(request.app[store_key].reader,
                                         principal(request).org_id,
                                         decode_cursor(params["cursor"]), limit + 1)
    rows, cursor = paginate(rows, limit, lambda c: c["id"])
    return json_response({"connectors": [connector_json(r) for r in rows],
                          "next_cursor": cursor})


@routes.post("/api/v1/connectors/{connector_token}/sync")
async def sync_records(request: web.Request) -> web.Response:
    settings = request.app[settings_key]
    body = await read_json(request)
    connector = await own_connector(request, request.match_info["connector_token"])
    records = body.get("records")
    if isinstance(records, list) and len(records) > settings.max_sync_records:
        raise PayloadTooLarge(f"at most {settings.max_sync_records} records per sync call",
                              code="TOO_MANY_RECORDS")
    data = sync_schema.load(body)
    field_commands.check_model(request.app[catalogue_key], data["category"], data["model"])
    if not request.app[catalogue_key].serves(connector["integration_slug"], data["category"]):
        raise ValidationFailed(f"integration {connector['integration_slug']!r} does not serve "
                               f"{data['category']}", code="INTEGRATION_CATEGORY_MISMATCH",
                               errors={"category": ["not served by this connector"]})
    for index, record in enumerate(data["records"]):
        size = len(canonical_json(record["data"]).encode("utf-8"))
        if size > settings.max_record_bytes:
            raise PayloadTooLarge(
                f"record {index} ({record['remote_id']!r}) is {size} bytes; at most "
                f"{settings.max_record_bytes}", code="RECORD_TOO_LARGE")
    unit = partial(sync.ingest, org_id=principal(request).org_id, connector_id=connector["id"],
                   category=data["category"], model=data["model"], records=data["records"],
                   meta=metadata(request))
    return await perform(request, unit, lambda r: (
        200, {"connector_token": connector["token"], **r}, {}))
