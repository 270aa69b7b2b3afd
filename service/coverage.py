"""Coverage of a JMESPath before it is saved: the expression evaluated over a connector's
most recent synced rows, counted (found, non-null, value types, failures) and, with a
field, each non-null value checked against the field's type (the registry's checker,
as preview and values check). One use case for the API and the dashboard.

The rules are those of preview and values: the model is known, the expression within
its bound and compiling (refused exactly as preview refuses it), the connector the
caller's own and its integration serving the category, the field (when given) the
caller's and of the model. A failure on one row (a function given the wrong type of
value) is counted on that row, never refused for the request.
"""

from typing import Any

from events.canonical import loads
from projections import ReadModel
from service import rules
from service.commands import Context
from service.commands.mappings import check_expression
from service.documents import document, field_for_preview
from service.fieldtypes import Checker, ValueMismatch, field_type
from service.jmes import Compiled, ExpressionError, evaluate_found, value_type
from service.jsontext import dumps

Row = dict[str, Any]
EXAMPLES = 5          # distinct non-null values shown
FAILING = 5           # remote ids of failing rows shown


async def measure(queries: ReadModel, ctx: Context, org_id: str, *, connector_token: str,
                  category: str, model: str, json_path: str, sample: int,
                  custom_field_id: str | None = None) -> Row:
    """The coverage body of `json_path` over the connector's `sample` most recent rows
    of (category, model)."""
    rules.require_model(ctx.catalogue, category, model)
    check_expression(ctx, json_path)
    connector = rules.require_connector(await queries.connector_by_token(org_id,
                                                                        connector_token))
    rules.require_serves(ctx.catalogue, connector["integration_slug"], category,
                         field="connector_token")
    check = None
    if custom_field_id is not None:
        field = await field_for_preview(queries, org_id, custom_field_id, category, model)
        check = field_type(field["type"]).checker(field["options"])
    records = await queries.recent_synced_records(connector["id"], category, model, sample)
    return tally(ctx.expressions.compile(json_path), model, records, check)


def tally(compiled: Compiled, model: str, records: list[Row], check: Checker | None) -> Row:
    """The counts over `records` (stored rows, the most recent first); `type_check` only
    with a checker."""
    found = non_null = 0
    types: dict[str, int] = {}
    errors: dict[str, int] = {}
    passed = failed = 0
    codes: dict[str, int] = {}
    examples: dict[str, Any] = {}   # canonical text -> value, in first-seen order
    failing: list[str] = []
    for record in records:
        doc = document(model, loads(record["data"]))
        try:
            value, was_found = evaluate_found(compiled, doc)
        except ExpressionError as exc:
            errors[exc.code] = errors.get(exc.code, 0) + 1
            _note(failing, record)
            continue
        found += was_found
        kind = value_type(value)
        types[kind] = types.get(kind, 0) + 1
        refused = False
        if value is not None:
            non_null += 1
            if len(examples) < EXAMPLES:
                examples.setdefault(dumps(_sorted(value)), value)
            if check is not None:
                try:
                    check(value)
                    passed += 1
                except ValueMismatch as exc:
                    failed += 1
                    codes[exc.code] = codes.get(exc.code, 0) + 1
                    refused = True
        if refused or not was_found:
            _note(failing, record)
    body: Row = {"rows": len(records), "found": found, "non_null": non_null,
                 "types": types, "errors": errors}
    if check is not None:
        body["type_check"] = {"ok": passed, "failed": failed, "codes": codes}
    body["examples"] = list(examples.values())
    body["failing_remote_ids"] = failing
    return body


def _note(failing: list[str], record: Row) -> None:
    if len(failing) < FAILING:
        failing.append(record["remote_id"])


def _sorted(value: Any) -> Any:
    """The value with its objects' keys in order, so equal values have equal text."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value
