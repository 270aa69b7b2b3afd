"""Response schemas of the coverage endpoint (`POST /api/v1/custom-fields/preview/coverage`),
beside `responses.py` (which is at its size bound) and read the same way: the shape the
handler answers with, for the OpenAPI document and the contract tests."""

from marshmallow import Schema, fields

from service.schemas.responses import described

Int = fields.Integer


def counts(description: str) -> fields.Dict:
    """Counts by name (a type, a code), always present."""
    return fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                       **described(description))


class CoverageTypeCheckSchema(Schema):
    ok = Int(required=True, **described("Non-null values the field's type accepts"))
    failed = Int(required=True, **described("Non-null values it refuses"))
    codes = counts("The refusals by code (TYPE_MISMATCH, UNKNOWN_OPTION)")


class CoverageResultSchema(Schema):
    rows = Int(required=True, **described(
        "Synced rows evaluated: the connector's most recent, at most `sample`"))
    found = Int(required=True, **described("Rows the value was found in, as preview's found"))
    non_null = Int(required=True, **described("Rows giving a value that is not null"))
    types = counts("Rows by the type of their value (string, number, boolean, object, "
                   "array, null)")
    errors = counts("Rows the expression failed on, by code (EXPRESSION_TYPE_ERROR, ...)")
    type_check = fields.Nested(CoverageTypeCheckSchema, **described(
        "With custom_field_id: the non-null values checked against the field's type"))
    examples = fields.List(fields.Raw(), required=True, **described(
        "Up to 5 distinct non-null values, from the most recent rows first"))
    failing_remote_ids = fields.List(fields.String(), required=True, **described(
        "Up to 5 rows (most recent first) where the value was not found, the expression "
        "failed, or the type check refused the value"))
