"""The effective configuration of a connector, and custom-field values resolved on its
synced rows: each field's effective mapping evaluated, the result checked against the
field's type. A failure is reported per field, never per request."""

from typing import Any

from events.canonical import loads
from service.errors import ValidationFailed
from service.fieldtypes import Checker, ValueMismatch, field_type
from service.jmes import Compiled, ExpressionCache, ExpressionError, evaluate_found

Row = dict[str, Any]


def effective(row: Row) -> tuple[str | None, str | None, str | None]:
    """(json_path, source, mapping_id) of a configuration row: the connector's own
    mapping wins over its integration's; neither gives (None, None, None)."""
    if row["connector_mapping_id"] is not None:
        return row["connector_json_path"], "connector", row["connector_mapping_id"]
    if row["integration_mapping_id"] is not None:
        return row["integration_json_path"], "organization", row["integration_mapping_id"]
    return None, None, None


def configuration(connector: Row, category: str, model: str, rows: list[Row]) -> Row:
    """The v1 configuration body: every field of the model with its effective mapping."""
    fields = []
    for row in rows:
        json_path, source, mapping_id = effective(row)
        fields.append({
            "custom_field_id": row["id"], "name": row["name"], "description": row["description"],
            "category": row["category"], "model": row["model"], "json_path": json_path,
            "source": source, "mapping_id": mapping_id,
        })
    return {"connector_token": connector["token"],
            "integration_slug": connector["integration_slug"],
            "category": category, "model": model, "fields": fields}


def only_fields(rows: list[Row], field_ids: list[str], category: str, model: str
                ) -> list[Row]:
    """The configuration rows of these fields, each of which must be of the model."""
    by_id = {row["id"]: row for row in rows}
    unknown = [f for f in dict.fromkeys(field_ids) if f not in by_id]
    if unknown:
        raise ValidationFailed(
            f"not a field of {category}/{model} of yours: {', '.join(unknown)}",
            errors={"custom_field_id": [f"not a field of {category}/{model}: {f}"
                                        for f in unknown]})
    wanted = set(field_ids)
    return [row for row in rows if row["id"] in wanted]


def compile_mapping(expressions: ExpressionCache, json_path: str | None
                    ) -> Compiled | ExpressionError | None:
    """The compiled effective mapping (once per request), its compile error, or None."""
    if json_path is None:
        return None
    try:
        return expressions.compile(json_path)
    except ExpressionError as exc:
        return exc


def resolve_found(compiled: Compiled | ExpressionError | None, check: Checker,
                  document: Any) -> tuple[Any, bool, dict[str, str] | None]:
    """(value, found, None) or (None, found, {"code", "detail"}). `found` is whether the
    mapping found its value in the document (`jmes.evaluate_found`), whatever the type
    check says of it; an unmapped field, or an expression that fails, found nothing."""
    if compiled is None:
        return None, False, None
    found = False
    try:
        if isinstance(compiled, ExpressionError):
            raise compiled
        value, found = evaluate_found(compiled, document, json_only=False)
        return check(value), found, None
    except (ExpressionError, ValueMismatch) as exc:
        return None, found, {"code": exc.code, "detail": exc.detail}


def resolve_records(expressions: ExpressionCache, model: str, rows: list[Row],
                    records: list[Row]) -> list[Row]:
    """Each synced record with every field's value, evaluated on the record's document
    (`{"data": {model: record}}`): `values` and `errors` by field name, and `fields`, one
    entry per field with its id, the source of its effective mapping (null: unmapped) and
    whether its value was `found`, so a rename breaks no client, "unmapped" differs from
    "mapped, null", and a key the row lacks differs from one it holds as null. Each mapping
    is compiled and each type checker built once for the whole page."""
    plan = []
    for row in rows:
        json_path, source, _ = effective(row)
        plan.append((row["id"], row["name"], source, compile_mapping(expressions, json_path),
                     field_type(row["type"]).checker(row["options"])))
    body = []
    for record in records:
        document = {"data": {model: loads(record["data"])}}
        resolved, errors, entries = {}, {}, []
        for field_id, name, source, compiled, check in plan:
            value, found, error = resolve_found(compiled, check, document)
            resolved[name] = value
            if error is not None:
                errors[name] = error
            entries.append({"custom_field_id": field_id, "name": name, "value": value,
                            "found": found, "source": source, "error": error})
        body.append({"remote_id": record["remote_id"], "synced_at": record["synced_at"],
                     "values": resolved, "errors": errors, "fields": entries})
    return body
