"""v1 data endpoints: raw data, JMESPath preview and its coverage over synced rows,
effective configuration, resolved values."""

from aiohttp import web

from service import coverage, documents, resolved, rules, values
from service.appkeys import read_cache_key, refresher_key
from service.auth import principal
from service.handlers.common import (
    backend,
    context,
    decode_cursor,
    json_response,
    page_limit,
    paginate,
    query,
)
from service.jsonbody import read_json
from service.jsontext import dumps_bytes
from service.routing import RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.coverage import CoverageResultSchema
from service.schemas.fastload import FastLoader
from service.schemas.v1 import (
    ConnectorModelQuerySchema,
    CoverageSchema,
    PreviewSchema,
    ScopeQuerySchema,
    ValuesQuerySchema,
)

routes = Routes("v1")
# the preview is read as often as it is typed: its body schema is compiled (fastload.py)
preview_schema, scope_schema = FastLoader(PreviewSchema()), ScopeQuerySchema()
connector_model_schema, values_schema = ConnectorModelQuerySchema(), ValuesQuerySchema()
coverage_schema = CoverageSchema()

RAW_DATA_SOURCE_HEADER = "X-Raw-Data-Source"


@routes.get("/custom-fields/raw-data", summary="The raw upstream document",
            ok={200: r.RawDocumentSchema}, query=ScopeQuerySchema, scope=RESOURCE,
            operation_id="get_raw_data",
            headers={RAW_DATA_SOURCE_HEADER: "connector_sync or integration_sample"})
async def raw_data(request: web.Request) -> web.Response:
    params = query(request, scope_schema)
    document = await documents.raw_document(
        backend(request).queries, context(request), principal(request).org_id,
        params["category"], params["model"], params["connector_token"],
        params["integration_slug"])
    return web.Response(text=document.text, content_type="application/json",
                        headers={RAW_DATA_SOURCE_HEADER: document.source})


@routes.post("/custom-fields/preview", summary="Evaluate a JMESPath without saving",
             ok={200: r.PreviewResultSchema}, body=PreviewSchema, scope=RESOURCE, writes=False,
             operation_id="preview_json_path")
async def preview(request: web.Request) -> web.Response:
    data = preview_schema.load(await read_json(request))
    ctx = context(request)

    async def document() -> documents.RawDocument:
        if data["raw_data"] is not None:
            return await documents.inline_document(ctx, data["category"], data["model"],
                                                   data["raw_data"])
        return await documents.raw_document(
            backend(request).queries, ctx, principal(request).org_id, data["category"],
            data["model"], data["connector_token"], data["integration_slug"],
            data["remote_id"])

    field = None
    if data["custom_field_id"] is not None:
        field = await documents.field_for_preview(
            backend(request).queries, principal(request).org_id, data["custom_field_id"],
            data["category"], data["model"])
    result = await documents.preview(ctx, data["json_path"], document, field)
    return json_response({"connector_token": data["connector_token"], **result})


# before any /custom-fields/{field_id}/... pattern: v1_data's table is routed first
@routes.post("/custom-fields/preview/coverage",
             summary="Measure a JMESPath over a connector's most recent synced rows",
             ok={200: CoverageResultSchema}, body=CoverageSchema, scope=RESOURCE,
             writes=False, operation_id="preview_coverage")
async def preview_coverage(request: web.Request) -> web.Response:
    data = coverage_schema.load(await read_json(request))
    return json_response(await coverage.measure(
        backend(request).queries, context(request), principal(request).org_id,
        connector_token=data["connector_token"], category=data["category"],
        model=data["model"], json_path=data["json_path"], sample=data["sample"],
        custom_field_id=data["custom_field_id"]))


async def _connector_fields(request: web.Request, params: dict) -> tuple[dict, list[dict]]:
    catalogue = context(request).catalogue
    rules.require_model(catalogue, params["category"], params["model"])
    queries, org_id = backend(request).queries, principal(request).org_id
    connector = rules.require_connector(
        await queries.connector_by_token(org_id, params["connector_token"]))
    # fields of a category the connector's integration does not serve can never be mapped
    rules.require_serves(catalogue, connector["integration_slug"], params["category"],
                         field="connector_token")
    rows = await queries.configuration(org_id, connector, params["category"], params["model"])
    return connector, rows


@routes.get("/custom-fields/configuration", summary="Effective configuration of a connector",
            ok={200: r.ConfigurationSchema}, query=ConnectorModelQuerySchema, scope=RESOURCE,
            operation_id="get_effective_configuration", reuse=True)
async def configuration(request: web.Request) -> web.Response:
    params = query(request, connector_model_schema)

    async def compute() -> bytes:
        connector, rows = await _connector_fields(request, params)
        return dumps_bytes(values.configuration(connector, params["category"],
                                                params["model"], rows))

    key = ("configuration", principal(request).org_id, params["connector_token"],
           params["category"], params["model"])
    return web.Response(body=await request.app[read_cache_key].get(key, compute),
                        content_type="application/json", charset="utf-8")


@routes.get("/custom-fields/values", summary="Resolved values on synced rows",
            ok={200: r.ValuesSchema}, query=ValuesQuerySchema, scope=RESOURCE,
            operation_id="list_resolved_values", reuse=True,
            headers={"Cache-Control": "no-store while `recomputing` names fields"})
async def resolved_values(request: web.Request) -> web.Response:
    params = query(request, values_schema)
    limit = page_limit(request, params["limit"])
    category, model, after = params["category"], params["model"], decode_cursor(params["cursor"])

    async def configured() -> tuple[dict, list[dict], resolved.Plan]:
        connector, rows = await _connector_fields(request, params)
        return connector, rows, resolved.plan(rows)

    connector, rows, plan = await request.app[read_cache_key].get(
        ("values", principal(request).org_id, params["connector_token"], category, model),
        configured)
    queries, expressions = backend(request).queries, context(request).expressions
    head = {"connector_token": connector["token"],
            "integration_slug": connector["integration_slug"],
            "category": category, "model": model}
    if params["custom_field_id"]:  # a choice of fields: evaluated for this answer
        rows = values.only_fields(rows, params["custom_field_id"], category, model)
        records = await queries.synced_records(connector["id"], category, model, after,
                                               limit + 1, remote_ids=params["remote_id"])
        records, cursor = paginate(records, limit, lambda rec: rec["remote_id"])
        return json_response({**head, "records": values.resolve_records(
            expressions, model, rows, records), "next_cursor": cursor, "recomputing": []})
    page, cursor = paginate(await queries.resolved_page(
        connector["id"], category, model, plan.text, after, limit + 1,
        remote_ids=params["remote_id"]), limit, lambda row: row["remote_id"])
    bodies, recomputing = resolved.page(expressions, model, plan, page)
    headers = {}
    if recomputing:  # stored values out of date: brought up to date, this answer not kept
        request.app[refresher_key].request(principal(request).org_id, connector["id"])
        headers["Cache-Control"] = "no-store"
    return web.Response(body=resolved.answer(head, bodies, cursor, recomputing),
                        headers=headers, content_type="application/json", charset="utf-8")
