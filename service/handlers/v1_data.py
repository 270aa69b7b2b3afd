"""v1 data endpoints: raw data, JMESPath preview, effective configuration, resolved values."""

import json
from typing import Any

from aiohttp import web

from events.canonical import loads
from projections import queries
from service.appkeys import catalogue_key, expressions_key, settings_key, store_key
from service.auth import principal
from service.commands.fields import check_model
from service.commands.mappings import check_expression
from service.errors import NotFound, ValidationFailed
from service.handlers.common import (decode_cursor, json_response, page_limit, paginate,
                                     query)
from service.handlers.v1_connectors import own_connector
from service.jmes import ExpressionError, value_type
from service.jsonbody import read_json
from service.jsontext import dumps_bytes
from service.readcache import read_cache_key
from service.schemas.v1 import (ConnectorModelQuerySchema, PreviewSchema, ScopeQuerySchema,
                                ValuesQuerySchema)
from service.values import compile_mapping, resolve

routes = web.RouteTableDef()
preview_schema, scope_schema = PreviewSchema(), ScopeQuerySchema()
connector_model_schema, values_schema = ConnectorModelQuerySchema(), ValuesQuerySchema()

RAW_DATA_SOURCE_HEADER = "X-Raw-Data-Source"


async def _integration_sample(request: web.Request, integration_slug: str, category: str,
                              model: str) -> tuple[str, str]:
    catalogue = request.app[catalogue_key]
    enabled = await queries.enabled_integrations(request.app[store_key].reader,
                                                 principal(request).org_id)
    if integration_slug not in enabled:
        raise ValidationFailed(
            f"integration {integration_slug!r} is not enabled for this organization",
            code="INTEGRATION_NOT_ENABLED", errors={"integration_slug": ["not enabled"]})
    if not catalogue.serves(integration_slug, category):
        raise ValidationFailed(f"integration {integration_slug!r} does not serve {category}",
                               code="INTEGRATION_CATEGORY_MISMATCH",
                               errors={"category": ["not served by this integration"]})
    sample = catalogue.sample(integration_slug, model)
    if sample is None:
        raise NotFound(f"no sample for {integration_slug}/{model}", code="NO_RAW_DATA")
    return json.dumps(sample), "integration_sample"


async def raw_document(request: web.Request, category: str, model: str,
                       connector_token: str | None,
                       integration_slug: str | None) -> tuple[str, str]:
    """(JSON text, origin): the connector's latest synced row, else the sample of its
    integration (or of `integration_slug` when no connector is given)."""
    check_model(request.app[catalogue_key], category, model)
    if connector_token:
        connector = await own_connector(request, connector_token)
        row = await queries.latest_synced_record(request.app[store_key].reader,
                                                 connector["id"], category, model)
        if row is not None:
            return row["data"], "connector_sync"
        integration_slug = connector["integration_slug"]
    return await _integration_sample(request, integration_slug, category, model)


@routes.get("/api/v1/custom-fields/raw-data")
async def raw_data(request: web.Request) -> web.Response:
    params = query(request, scope_schema)
    text, source = await raw_document(request, params["category"], params["model"],
                                      params["connector_token"], params["integration_slug"])
    return web.Response(text=text, content_type="application/json",
                        headers={RAW_DATA_SOURCE_HEADER: source})


@routes.post("/api/v1/custom-fields/preview")
async def preview(request: web.Request) -> web.Response:
    data = preview_schema.load(await read_json(request))
    expressions = request.app[expressions_key]
    check_expression(expressions, data["json_path"],
                     request.app[settings_key].max_expression_length)
    if data["raw_data"] is not None:
        check_model(request.app[catalogue_key], data["category"], data["model"])
        document, source = data["raw_data"], "inline"
    else:
        text, source = await raw_document(request, data["category"], data["model"],
                                          data["connector_token"], data["integration_slug"])
        document = loads(text)
    try:
        value = expressions.evaluate(data["json_path"], document)
    except ExpressionError as exc:
        raise ValidationFailed(exc.detail, code=exc.code, errors={"json_path": [exc.detail]})
    return json_response({
        "connector_token": data["connector_token"],
        "json_path": data["json_path"],
        "resolved_value": value,
        "resolved_value_type": value_type(value),
        "raw_data_source": source,
    })


def _effective(row: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(json_path, source, mapping_id): the connector's mapping wins over the integration's."""
    if row["connector_mapping_id"] is not None:
        return row["connector_json_path"], "connector", row["connector_mapping_id"]
    if row["integration_mapping_id"] is not None:
        return row["integration_json_path"], "organization", row["integration_mapping_id"]
    return None, None, None


async def _connector_fields(request: web.Request, params: dict[str, Any]):
    check_model(request.app[catalogue_key], params["category"], params["model"])
    connector = await own_connector(request, params["connector_token"])
    rows = await queries.configuration(request.app[store_key].reader, principal(request).org_id,
                                       connector, params["category"], params["model"])
    return connector, rows


@routes.get("/api/v1/custom-fields/configuration")
async def configuration(request: web.Request) -> web.Response:
    params = query(request, connector_model_schema)

    async def compute() -> bytes:
        connector, rows = await _connector_fields(request, params)
        fields = []
        for row in rows:
            json_path, source, mapping_id = _effective(row)
            fields.append({
                "custom_field_id": row["custom_field_id"], "name": row["name"],
                "description": row["description"], "category": row["category"],
                "model": row["model"], "json_path": json_path, "source": source,
                "mapping_id": mapping_id,
            })
        return dumps_bytes({
            "connector_token": connector["token"],
            "integration_slug": connector["integration_slug"],
            "category": params["category"], "model": params["model"], "fields": fields,
        })

    key = ("configuration", principal(request).org_id, params["connector_token"],
           params["category"], params["model"])
    return web.Response(body=await request.app[read_cache_key].get(key, compute),
                        content_type="application/json")


@routes.get("/api/v1/custom-fields/values")
async def values(request: web.Request) -> web.Response:
    params = query(request, values_schema)
    limit = page_limit(request, params["limit"])
    connector, rows = await _connector_fields(request, params)
    records = await queries.synced_records(
        request.app[store_key].reader, connector["id"], params["category"], params["model"],
        decode_cursor(params["cursor"]), limit + 1)
    records, cursor = paginate(records, limit, lambda r: r["remote_id"])
    expressions = request.app[expressions_key]
    plan = [(row["name"], compile_mapping(expressions, _effective(row)[0]), row["type"],
             {o["value"].casefold(): o["value"] for o in row["options"]}) for row in rows]
    body = []
    for record in records:
        document = loads(record["data"])
        resolved, errors = {}, {}
        for name, compiled, field_type, options in plan:
            value, error = resolve(compiled, field_type, options, document)
            resolved[name] = value
            if error is not None:
                errors[name] = error
        body.append({"remote_id": record["remote_id"], "synced_at": record["synced_at"],
                     "values": resolved, "errors": errors})
    return json_response({
        "connector_token": connector["token"], "integration_slug": connector["integration_slug"],
        "category": params["category"], "model": params["model"], "records": body,
        "next_cursor": cursor,
    })
