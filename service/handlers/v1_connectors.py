"""v1 connectors: create, list, read, rename, delete (cascading to its mappings and
synced rows), and the sync ingest of upstream rows."""

from aiohttp import web

from service import rules
from service.auth import principal
from service.commands.connectors import DeleteConnector, RenameConnector
from service.commands.sync import SyncRecords, check_record_count
from service.commands.tenancy import CreateConnector
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
from service.representations import connector as connector_json
from service.routing import CREATE, LISTING, RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.common import PageSchema
from service.schemas.v1 import ConnectorCreateSchema, ConnectorPatchSchema, SyncSchema
from service.writes import created, etag, if_match, perform

routes = Routes("v1")
create_schema, sync_schema, page_schema = ConnectorCreateSchema(), SyncSchema(), PageSchema()
patch_schema = ConnectorPatchSchema()


@routes.post("/connectors", summary="Create a connector", ok={201: r.ConnectorCreatedSchema},
             body=ConnectorCreateSchema, scope=CREATE, operation_id="create_connector")
async def create_connector(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    command = CreateConnector(data["integration_slug"], data["name"],
                              org_id=principal(request).org_id)
    return await perform(request, checked(request, command),
                         lambda result: (201, result,
                                         created(request, result["connector_token"])))


@routes.get("/connectors", summary="List connectors", ok={200: r.ConnectorListSchema},
            query=PageSchema, scope=LISTING, operation_id="list_connectors", reuse=True)
async def list_connectors(request: web.Request) -> web.Response:
    params = query(request, page_schema)
    limit = page_limit(request, params["limit"])
    rows = await backend(request).queries.list_connectors(
        principal(request).org_id, decode_cursor(params["cursor"]), limit + 1)
    rows, cursor = paginate(rows, limit, lambda c: c["id"])
    return json_response({"connectors": [connector_json(row) for row in rows],
                          "next_cursor": cursor})


@routes.post("/connectors/{connector_token}/sync", summary="Push upstream rows",
             ok={200: r.SyncResultSchema}, body=SyncSchema, scope=RESOURCE,
             operation_id="sync_records")
async def sync_records(request: web.Request) -> web.Response:
    body = await read_json(request)
    ctx = context(request)
    records = body.get("records")
    if isinstance(records, list):  # before validating each record, however many there are
        check_record_count(len(records), ctx.limits)
    data = sync_schema.load(body)
    command = SyncRecords(principal(request).org_id, request.match_info["connector_token"],
                          data["category"], data["model"], data["records"])
    return await perform(request, checked(request, command),
                         lambda result: (200, result, {}))


@routes.get("/connectors/{connector_token}", summary="A connector",
            ok={200: r.ConnectorSchema}, scope=RESOURCE, operation_id="get_connector",
            etag=True)
async def get_connector(request: web.Request) -> web.Response:
    connector = rules.require_connector(await backend(request).queries.connector_by_token(
        principal(request).org_id, request.match_info["connector_token"]))
    return json_response(connector_json(connector), headers=etag(connector["version"]))


@routes.patch("/connectors/{connector_token}", summary="Rename a connector",
              ok={200: r.ConnectorSchema}, body=ConnectorPatchSchema, scope=RESOURCE,
              operation_id="update_connector", etag=True)
async def update_connector(request: web.Request) -> web.Response:
    data = patch_schema.load(await read_json(request))
    command = RenameConnector(principal(request).org_id, request.match_info["connector_token"],
                              data["name"], if_match(request))
    return await perform(request, checked(request, command), lambda connector: (
        200, connector_json(connector), etag(connector["version"])))


@routes.delete("/connectors/{connector_token}", summary="Delete a connector (cascades)",
               ok={200: r.StatusSchema}, scope=RESOURCE, operation_id="delete_connector")
async def delete_connector(request: web.Request) -> web.Response:
    command = DeleteConnector(principal(request).org_id, request.match_info["connector_token"],
                              if_match(request))
    return await perform(request, checked(request, command),
                         lambda result: (200, {"id": result["id"], "status": "SUCCESS"}, {}))
