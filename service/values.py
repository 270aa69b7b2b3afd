"""The effective configuration of a connector, and custom-field values resolved on its
synced rows: each field's effective mapping evaluated, the result checked against the
field's type. A failure is reported per field, never per request."""

from typing import Any

from events.canonical import loads
from service.fieldtypes import Checker, ValueMismatch, field_type
from service.jmes import Compiled, ExpressionCache, ExpressionError, evaluate

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


def compile_mapping(expressions: ExpressionCache, json_path: str | None
                    ) -> Compiled | ExpressionError | None:
    """The compiled effective mapping (once per request), its compile error, or None."""
    if json_path is None:
        return None
    try:
        return expressions.compile(json_path)
    except ExpressionError as exc:
        return exc


def resolve(compiled: Compiled | ExpressionError | None, check: Checker,
            document: Any) -> tuple[Any, dict[str, str] | None]:
    """(value, None) or (None, {"code", "detail"})."""
    if compiled is None:
        return None, None
    try:
        if isinstance(compiled, ExpressionError):
            raise compiled
        return check(evaluate(compiled, document, json_only=False)), None
    except (ExpressionError, ValueMismatch) as exc:
        return None, {"code": exc.code, "detail": exc.detail}


def resolve_records(expressions: ExpressionCache, model: str, rows: list[Row],
                    records: list[Row]) -> list[Row]:
    """Each synced record with every field's value and the errors by field name,
    evaluated on the record's document (`{"data": {model: record}}`); each mapping is
    compiled and each type checker built once for the whole page."""
    plan = [(row["name"], compile_mapping(expressions, effective(row)[0]),
             field_type(row["type"]).checker(row["options"])) for row in rows]
    body = []
    for record in records:
        document = {"data": {model: loads(record["data"])}}
        resolved, errors = {}, {}
        for name, compiled, check in plan:
            value, error = resolve(compiled, check, document)
            resolved[name] = value
            if error is not None:
                errors[name] = error
        body.append({"remote_id": record["remote_id"], "synced_at": record["synced_at"],
                     "values": resolved, "errors": errors})
    return body
