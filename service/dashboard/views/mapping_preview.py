"""The mapping editor's Preview region: the preview endpoint's result for the expression
being typed (`documents.preview`; an expression error is shown inline, a 200), and its
coverage over the chosen connector's most recent synced rows, as the coverage endpoint
measures it (`coverage.measure`): found, non-null, and the field's type check.

- `GET /fields/{id}/map/preview?source=&json_path=`: the region, for htmx to swap in.
"""

import json
from typing import Any

from aiohttp import web

from service import coverage as measured
from service import documents
from service.dashboard.pages import principal, queries, render
from service.dashboard.views.mapping_source import Choice, choices, chosen, context, raw
from service.dashboard.views.shared import Row, named_field
from service.errors import ExpressionRefused, ExpressionTooLong, ValidationFailed
from service.schemas.v1 import COVERAGE_SAMPLE_MAX, PreviewSchema

routes = web.RouteTableDef()
preview_schema = PreviewSchema()
COVERAGE_ROWS = COVERAGE_SAMPLE_MAX  # the coverage line looks at so many recent rows


async def evaluation(request: web.Request, field: Row, choice: Choice, json_path: str,
                     document: documents.RawDocument | None = None) -> dict[str, Any]:
    """What the Preview region shows: the preview endpoint's result (or its expression
    error, inline), and the coverage over the connector's synced rows."""
    result: dict[str, Any] = {"json_path": json_path, "preview": None, "error": None,
                              "coverage": None, "type": field["type"]}
    if not json_path.strip():
        return result
    scope = ({"connector_token": choice.connector["token"]} if choice.connector
             else {"integration_slug": choice.integration_slug})
    preview_schema.load({"category": field["category"], "model": field["model"],
                         "json_path": json_path, "custom_field_id": field["id"], **scope})

    async def read() -> documents.RawDocument:
        return document if document is not None else await raw(request, field, choice)

    try:
        result["preview"] = await documents.preview(context(request), json_path, read, field)
    except (ExpressionRefused, ExpressionTooLong) as exc:
        result["error"] = {"code": exc.code, "detail": exc.detail}
        return result
    result["preview"]["shown"] = shown(result["preview"]["resolved_value"])
    if choice.connector is not None:
        result["coverage"] = await coverage(request, field, choice.connector, json_path)
    return result


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text if len(text) <= 4000 else text[:3999] + "…"


async def coverage(request: web.Request, field: Row, connector: Row, json_path: str
                   ) -> dict[str, Any]:
    """The coverage endpoint's answer for the field over the connector's most recent
    synced rows, and the connector's name to show it with."""
    body = await measured.measure(
        queries(request), context(request), principal(request).org_id,
        connector_token=connector["token"], category=field["category"],
        model=field["model"], json_path=json_path, sample=COVERAGE_ROWS,
        custom_field_id=field["id"])
    return {**body, "connector": connector["name"]}


@routes.get("/fields/{field_id}/map/preview")
async def preview(request: web.Request) -> web.Response:
    """The Preview region: an expression error is shown in it (a 200, not an error page)."""
    field = await named_field(request)
    choice = chosen(await choices(request, field), request.query.get("source"), strict=True)
    if choice is None:
        raise ValidationFailed("nothing serves this field's category",
                               errors={"source": ["no connector or sample"]})
    result = await evaluation(request, field, choice, request.query.get("json_path", ""))
    return await render(request, "mapping_preview.html", {"result": result, "choice": choice,
                                                          "field": field})
