"""v1 API request schemas (snake_case, as in the reference document)."""

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

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


class FieldCreateSchema(Schema):
    name = fields.String(required=True, validate=[
        validate.Length(2, 128),
        validate.Regexp(SNAKE_CASE, error="name must be snake_case (e.g. guardian_mobile)")])
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
            message = ["provide exactly one of integration_slug or connector_token"]
            raise ValidationError({"integration_slug": message, "connector_token": message})


class MappingPatchSchema(Schema):
    json_path = fields.String(required=True, validate=validate.Length(min=1))

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("json_path",))


class PreviewSchema(Schema):
    category = fields.String(required=True)
    model = fields.String(required=True)
    json_path = fields.String(required=True, validate=validate.Length(min=1))
    connector_token = fields.String(load_default=None, allow_none=True)
    integration_slug = fields.String(load_default=None, allow_none=True)
    raw_data = fields.Raw(load_default=None, allow_none=True)

    @validates_schema
    def _some_source(self, data, **_):
        if data.get("raw_data") is None and not (data.get("connector_token")
                                                 or data.get("integration_slug")):
            raise ValidationError(
                "provide raw_data, connector_token or integration_slug to evaluate against",
                "_schema")


class ConnectorCreateSchema(Schema):
    integration_slug = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))


class SyncRecordSchema(Schema):
    remote_id = fields.String(required=True, validate=validate.Length(1, 255))
    data = fields.Dict(required=True)


class SyncSchema(Schema):
    category = fields.String(required=True)
    model = fields.String(required=True)
    records = fields.List(fields.Nested(SyncRecordSchema), required=True)


class ScopeQuerySchema(Schema):
    """Query of raw-data: the model, and a connector or an integration to read from."""

    category = fields.String(required=True)
    model = fields.String(required=True)
    connector_token = fields.String(load_default=None)
    integration_slug = fields.String(load_default=None)

    @validates_schema
    def _some_source(self, data, **_):
        if not (data.get("connector_token") or data.get("integration_slug")):
            raise ValidationError("provide connector_token or integration_slug", "_schema")


class ConnectorModelQuerySchema(Schema):
    """Query of configuration: a connector and a model."""

    connector_token = fields.String(required=True)
    category = fields.String(required=True)
    model = fields.String(required=True)


class ValuesQuerySchema(ConnectorModelQuerySchema, PageSchema):
    """Query of values: a connector and a model, paginated."""
