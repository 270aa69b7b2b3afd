"""The raw document JMESPath runs against, and previewing an expression on it.

The document has the reference's shape, `{"data": {"<model>": <record>}}`, where the
record is a connector's latest synced row (the upstream object, as it was sent) or else
the vendor-shaped sample of its integration (or of the integration named): a path such
as `data.employee.guardian_mobile` reads the same in both. Values resolve against the
same shape (`document`). An inline document is the caller's own, taken as it is. The
rules (model known, integration enabled and serving the category, the connector the
caller's own, the expression within bounds and compiling) are those of the commands.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from events.canonical import loads
from projections import ReadModel
from service import rules
from service.commands import Context
from service.commands.mappings import check_expression
from service.errors import ExpressionRefused, NoRawData
from service.jmes import ExpressionError, value_type

CONNECTOR_SYNC, INTEGRATION_SAMPLE, INLINE = "connector_sync", "integration_sample", "inline"


def document(model: str, record: Any) -> dict[str, Any]:
    """The document JMESPath runs against for one record of `model`."""
    return {"data": {model: record}}


def stored_document_text(model: str, record_text: str) -> str:
    """The document of a stored row, as JSON text, without parsing the row."""
    return '{"data":{' + json.dumps(model) + ":" + record_text + "}}"


@dataclass
class RawDocument:
    """The document and where it came from; kept as whichever form it was read in
    (stored JSON text, or a parsed value) and converted only when asked."""

    source: str
    stored_text: str | None = None
    parsed: Any = None

    @property
    def text(self) -> str:
        return self.stored_text if self.stored_text is not None else json.dumps(self.parsed)

    @property
    def value(self) -> Any:
        return self.parsed if self.stored_text is None else loads(self.stored_text)


async def raw_document(queries: ReadModel, ctx: Context, org_id: str, category: str,
                       model: str, connector_token: str | None,
                       integration_slug: str | None) -> RawDocument:
    rules.require_model(ctx.catalogue, category, model)
    if connector_token:
        connector = rules.require_connector(
            await queries.connector_by_token(org_id, connector_token))
        row = await queries.latest_synced_record(connector["id"], category, model)
        if row is not None:
            return RawDocument(CONNECTOR_SYNC,
                               stored_text=stored_document_text(model, row["data"]))
        integration_slug = connector["integration_slug"]
    assert integration_slug is not None, "the schema asks for a connector or an integration"
    rules.require_enabled(await queries.enabled_integrations(org_id), integration_slug)
    rules.require_serves(ctx.catalogue, integration_slug, category, field="category")
    sample = ctx.catalogue.sample(integration_slug, model)
    if sample is None:
        raise NoRawData(integration_slug, model)
    return RawDocument(INTEGRATION_SAMPLE, parsed=document(model, sample))


async def inline_document(ctx: Context, category: str, model: str, document: Any
                          ) -> RawDocument:
    rules.require_model(ctx.catalogue, category, model)
    return RawDocument(INLINE, parsed=document)


async def preview(ctx: Context, json_path: str,
                  document: Callable[[], Awaitable[RawDocument]]) -> dict[str, Any]:
    """The expression's value on the document, as the preview endpoint shows it; the
    expression is checked before the document is read."""
    check_expression(ctx, json_path)
    raw = await document()
    try:
        value = ctx.expressions.evaluate(json_path, raw.value)
    except ExpressionError as exc:
        raise ExpressionRefused(exc.code, exc.detail) from None
    return {"json_path": json_path, "resolved_value": value,
            "resolved_value_type": value_type(value), "raw_data_source": raw.source}
