"""The raw document JMESPath runs against, and previewing an expression on it.

The document has the reference's shape, `{"data": {"<model>": <record>}}`, where the
record is a connector's latest synced row (the upstream object, as it was sent) or else
the vendor-shaped sample of its integration (or of the integration named): a path such
as `data.employee.guardian_mobile` reads the same in both. Values resolve against the
same shape (`document`). An inline document is the caller's own, taken as it is. The
rules (model known, integration enabled and serving the category, the connector the
caller's own, the expression within bounds and compiling) are those of the commands.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from events.canonical import loads
from projections import ReadModel
from service import rules
from service.commands import Context
from service.commands.mappings import check_expression
from service.errors import (
    ExpressionRefused,
    FieldNotFound,
    NoRawData,
    SyncedRowNotFound,
    ValidationFailed,
)
from service.fieldtypes import ValueMismatch, field_type
from service.jmes import ExpressionError, value_type
from service.jsontext import dumps

CONNECTOR_SYNC, INTEGRATION_SAMPLE, INLINE = "connector_sync", "integration_sample", "inline"


def document(model: str, record: Any) -> dict[str, Any]:
    """The document JMESPath runs against for one record of `model`."""
    return {"data": {model: record}}


def stored_document_text(model: str, record_text: str) -> str:
    """The document of a stored row, as JSON text, without parsing the row."""
    return '{"data":{' + dumps(model) + ":" + record_text + "}}"


@dataclass
class RawDocument:
    """The document and where it came from; kept as whichever form it was read in
    (stored JSON text, or a parsed value) and converted only when asked."""

    source: str
    stored_text: str | None = None
    parsed: Any = None

    @property
    def text(self) -> str:
        return self.stored_text if self.stored_text is not None else dumps(self.parsed)

    @property
    def value(self) -> Any:
        return self.parsed if self.stored_text is None else loads(self.stored_text)


async def raw_document(queries: ReadModel, ctx: Context, org_id: str, category: str,
                       model: str, connector_token: str | None,
                       integration_slug: str | None, remote_id: str | None = None
                       ) -> RawDocument:
    """The document of the connector's latest synced row (or of the row `remote_id`,
    which must exist), else of the integration's sample."""
    rules.require_model(ctx.catalogue, category, model)
    if connector_token:
        connector = rules.require_connector(
            await queries.connector_by_token(org_id, connector_token))
        rules.require_same_integration(connector, integration_slug)
        if remote_id is not None:
            row = await queries.synced_record(connector["id"], category, model, remote_id)
            if row is None:
                raise SyncedRowNotFound(remote_id, category, model)
        else:
            row = await queries.latest_synced_record(connector["id"], category, model)
        if row is not None:
            return RawDocument(CONNECTOR_SYNC,
                               stored_text=stored_document_text(model, row["data"]))
        integration_slug = connector["integration_slug"]
    assert integration_slug is not None, "the schema asks for a connector or an integration"
    rules.require_enabled(ctx.catalogue, await queries.enabled_integrations(org_id),
                          integration_slug)
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
                  document: Callable[[], Awaitable[RawDocument]],
                  field: dict[str, Any] | None = None) -> dict[str, Any]:
    """The expression's value on the document, as the preview endpoint shows it; the
    expression is checked before the document is read. `found`: whether the value was
    found in the document (`jmes.evaluate_found`). With a field, the value is also
    checked against the field's type, as values are: `type_check`."""
    check_expression(ctx, json_path)
    raw = await document()
    try:
        value, found = ctx.expressions.evaluate_found(json_path, raw.value)
    except ExpressionError as exc:
        raise ExpressionRefused(exc.code, exc.detail) from None
    result = {"json_path": json_path, "resolved_value": value,
              "resolved_value_type": value_type(value), "found": found,
              "raw_data_source": raw.source}
    if field is not None:
        check = field_type(field["type"]).checker(field["options"])
        try:
            result["type_check"] = {"ok": True, "code": None, "value": check(value)}
        except ValueMismatch as exc:
            result["type_check"] = {"ok": False, "code": exc.code, "value": None,
                                    "detail": exc.detail}
    return result


async def field_for_preview(queries: ReadModel, org_id: str, field_id: str, category: str,
                            model: str) -> dict[str, Any]:
    """The caller's field a preview checks its value against, of the previewed model."""
    found = await queries.field(org_id, field_id)
    if found is None:
        raise FieldNotFound(field_id)
    if (found["category"], found["model"]) != (category, model):
        raise ValidationFailed(
            f"the field is on {found['category']}/{found['model']}, the preview on "
            f"{category}/{model}", errors={"custom_field_id": [
                f"a field of {category}/{model}"]})
    return found
