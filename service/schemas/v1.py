"""v1 API request schemas (snake_case, as in the reference document)."""

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from service.commands.tenancy import CONNECTOR_NAME_MAX
from service.fieldtypes import DEFAULT_TYPE
from service.schemas.common import (
    DESCRIPTION_MAX,
    FIELD_TYPES,
    SOURCES,
    NumberFormatSchema,
    OptionSchema,
    PageSchema,
    check_type_extras,
    trimmed,
)

SNAKE_CASE = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*(?![\s\S])"  # (?!...): the very end


NAME_RULES = [validate.Length(2, 128),
              validate.Regexp(SNAKE_CASE, error="name must be snake_case (e.g. guardian_mobile)")]


class FieldCreateSchema(Schema):
    name = fields.String(required=True, validate=NAME_RULES)
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=DESCRIPTION_MAX))
    category = fields.String(required=True)
    model = fields.String(required=True)
    type = fields.String(load_default=DEFAULT_TYPE, validate=validate.OneOf(FIELD_TYPES))
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    number_format = fields.Nested(NumberFormatSchema, load_default=None, allow_none=True)

    @validates_schema
    def _type_extras(self, data, **_):
        check_type_extras(data, "number_format")


class FieldPatchSchema(Schema):
    """Only the attributes given change; options have routes of their own."""

    name = fields.String(validate=NAME_RULES)
    description = fields.String(allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX))
    type = fields.String(validate=validate.OneOf(FIELD_TYPES))
    number_format = fields.Nested(NumberFormatSchema, allow_none=True)

    @pre_load
    def _no_options(self, data, **_):
        if isinstance(data, dict) and "options" in data:
            raise ValidationError({"options": [
                "options are not changed here: POST /api/v1/custom-fields/{id}/options adds "
                "one; PATCH or DELETE /api/v1/custom-fields/{id}/options/{option_id} changes "
                "or removes one; PUT /api/v1/custom-fields/{id}/options/order reorders them"]})
        return data


class V1OptionOrderSchema(Schema):
    option_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class RevertSchema(Schema):
    """The version to go back to, as the field's history entries show it (field_version)."""

    to_version = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, error="a field's versions start at 1"))


class FieldListSchema(PageSchema):
    category = fields.String(load_default=None)
    model = fields.String(load_default=None)
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    type = fields.String(load_default=None, validate=validate.OneOf(FIELD_TYPES))


class MappingCreateSchema(Schema):
    custom_field_id = fields.String(required=True)
    integration_slug = fields.String(load_default=None, allow_none=True)
    connector_token = fields.String(load_default=None, allow_none=True)
    json_path = fields.String(required=True, validate=validate.Length(min=1))

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("json_path",))

    @validates_schema
    def _one_scope(self, data, **_):
        if (data.get("integration_slug") is None) == (data.get("connector_token") is None):
            message = ["give exactly one of connector_token or integration_slug"]
            raise ValidationError({"integration_slug": message, "connector_token": message})


class MappingPatchSchema(Schema):
    json_path = fields.String(required=True, validate=validate.Length(min=1))

    @pre_load
    def _trim(self, data, **_):
        if isinstance(data, dict):
            moved = [k for k in ("integration_slug", "connector_token") if k in data]
            if moved:
                message = ["the scope of a mapping cannot change: only json_path can; delete "
                           "the mapping and create one with the new scope"]
                raise ValidationError({k: message for k in moved})
        return trimmed(data, ("json_path",))


class PreviewSchema(Schema):
    category = fields.String(required=True)
    model = fields.String(required=True)
    json_path = fields.String(required=True, validate=validate.Length(min=1))
    connector_token = fields.String(load_default=None, allow_none=True)
    integration_slug = fields.String(load_default=None, allow_none=True)
    raw_data = fields.Raw(load_default=None, allow_none=True)
    remote_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(1, 255))
    custom_field_id = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _some_source(self, data, **_):
        if data.get("raw_data") is None and not (data.get("connector_token")
                                                 or data.get("integration_slug")):
            message = ["give raw_data, connector_token or integration_slug to evaluate against"]
            raise ValidationError({k: message for k in
                                   ("raw_data", "connector_token", "integration_slug")})
        if data.get("remote_id") is not None and not data.get("connector_token"):
            raise ValidationError({"remote_id": [
                "remote_id names a synced row of a connector: give connector_token too"]})
        if data.get("remote_id") is not None and data.get("raw_data") is not None:
            message = ["give raw_data or remote_id, not both"]
            raise ValidationError({"raw_data": message, "remote_id": message})


COVERAGE_SAMPLE_DEFAULT, COVERAGE_SAMPLE_MAX = 200, 1000


class CoverageSchema(Schema):
    """A JMESPath measured over a connector's most recent synced rows (`sample` of them),
    checked against a field's type with `custom_field_id`."""

    connector_token = fields.String(required=True)
    category = fields.String(required=True)
    model = fields.String(required=True)
    json_path = fields.String(required=True, validate=validate.Length(min=1))
    custom_field_id = fields.String(load_default=None, allow_none=True)
    sample = fields.Integer(load_default=COVERAGE_SAMPLE_DEFAULT, strict=True, validate=(
        validate.Range(1, COVERAGE_SAMPLE_MAX,
                       error=f"sample is at least 1 and at most {COVERAGE_SAMPLE_MAX} rows")))


CONNECTOR_NAME = validate.Length(1, CONNECTOR_NAME_MAX,
                                 error=f"a connector name is 1-{CONNECTOR_NAME_MAX} characters")


class ConnectorCreateSchema(Schema):
    integration_slug = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True, validate=CONNECTOR_NAME)

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("name",))


class ConnectorPatchSchema(Schema):
    name = fields.String(required=True, validate=CONNECTOR_NAME)

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("name",))


REMOTE_ID_MAX = 255


class SyncRecordSchema(Schema):
    remote_id = fields.String(required=True, validate=validate.Length(1, REMOTE_ID_MAX))
    data = fields.Dict(required=True, error_messages={
        "invalid": "data is the upstream record itself, sent as a JSON object"})


def _well_formed(record: object) -> bool:
    """What SyncRecordSchema loads unchanged: exactly its two keys, a remote id within
    its length, a JSON object as data."""
    return (type(record) is dict and len(record) == 2 and type(record.get("data")) is dict
            and type(remote_id := record.get("remote_id")) is str
            and 1 <= len(remote_id) <= REMOTE_ID_MAX)


class SyncRecordList(fields.List):
    """A list of SyncRecordSchema items. A list of well-formed records (the usual body)
    is taken in one pass, as the schema would load it: a schema per record costs more
    than the rest of the ingest. Any other list goes through the schema item by item,
    which says what is wrong with which."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is list and all(map(_well_formed, value)):
            return [{"remote_id": r["remote_id"], "data": r["data"]} for r in value]
        return super()._deserialize(value, attr, data, **kwargs)


class SyncSchema(Schema):
    category = fields.String(required=True)
    model = fields.String(required=True)
    records = SyncRecordList(fields.Nested(SyncRecordSchema), required=True)


class ScopeQuerySchema(Schema):
    """Query of raw-data: the model, and a connector or an integration to read from."""

    category = fields.String(required=True)
    model = fields.String(required=True)
    connector_token = fields.String(load_default=None)
    integration_slug = fields.String(load_default=None)

    @validates_schema
    def _some_source(self, data, **_):
        if not (data.get("connector_token") or data.get("integration_slug")):
            message = ["give connector_token or integration_slug"]
            raise ValidationError({"connector_token": message, "integration_slug": message})


class ConnectorModelQuerySchema(Schema):
    """Query of configuration: a connector and a model."""

    connector_token = fields.String(required=True)
    category = fields.String(required=True)
    model = fields.String(required=True)


class ValuesQuerySchema(ConnectorModelQuerySchema, PageSchema):
    """Query of values: a connector and a model, paginated; optionally only some rows
    (`remote_id`, repeatable) and some fields (`custom_field_id`, repeatable)."""

    remote_id = fields.List(fields.String(validate=validate.Length(1, 255)), load_default=None)
    custom_field_id = fields.List(fields.String(), load_default=None)


class LookupQuerySchema(Schema):
    """Query of the lookups: an optional category to narrow them to."""

    category = fields.String(load_default=None)
