"""Response schemas: the shapes the handlers answer with, for the OpenAPI document.

Handlers build their bodies with the plain functions of `service.representations`
(fast); these schemas describe the same shapes, and the contract tests check that
every answer fits them. An attribute the answer always has is `required`, even when its
value may be null (`nullable_str`), so a generated client reads it as `str | None`.
"""

from marshmallow import Schema, fields, validate

from service.schemas.common import FIELD_TYPES, NUMBER_FORMATS, SOURCES

Str, Int, Bool = fields.String, fields.Integer, fields.Boolean


def nullable_str(**kwargs):
    """Always present, possibly null."""
    return Str(required=True, allow_none=True, **kwargs)


def described(text: str, **more) -> dict:
    return {"metadata": {"description": text, **more}}


class ProblemSchema(Schema):
    type = Str(required=True)
    title = Str(required=True)
    status = Int(required=True)
    detail = Str(required=True)
    code = Str(required=True)
    errors = fields.Dict(keys=Str(), values=fields.Raw())
    instance = Str()


class StatusSchema(Schema):
    id = Str(required=True)
    status = Str(required=True, validate=validate.OneOf(["SUCCESS"]))


class RawDocumentSchema(Schema):
    """The document JMESPath runs against: `{"data": {"<model>": <record>}}`."""

    data = fields.Dict(keys=Str(), values=fields.Raw(), required=True, **described(
        "One key, the model, whose value is the upstream record: the connector's latest "
        "synced row, or the integration's sample (X-Raw-Data-Source says which)"))


class ModelSchema(Schema):
    slug = Str(required=True)
    display_name = Str(required=True)
    category = Str(required=True)


class ModelsSchema(Schema):
    models = fields.List(fields.Nested(ModelSchema), required=True)


class IntegrationSchema(Schema):
    slug = Str(required=True)
    display_name = Str(required=True)
    categories = fields.List(Str(), required=True)


class IntegrationsSchema(Schema):
    integrations = fields.List(fields.Nested(IntegrationSchema), required=True)


class NumberFormatOutSchema(Schema):
    format = Str(required=True, validate=validate.OneOf(NUMBER_FORMATS))
    decimal = Int(required=True)


class V1OptionSchema(Schema):
    id = Str(required=True)
    value = Str(required=True)
    color = nullable_str()
    order = Int(required=True)


class V1MappingSchema(Schema):
    id = Str(required=True)
    custom_field_id = Str(required=True)
    scope = Str(required=True, validate=validate.OneOf(["organization", "connector"]),
                **described("organization: for every connector of integration_slug; "
                            "connector: for the one connector_token, over the former"))
    integration_slug = nullable_str()
    connector_token = nullable_str()
    json_path = Str(required=True)
    created_at = Str(required=True)
    updated_at = Str(required=True)


class V1FieldSchema(Schema):
    id = Str(required=True)
    name = Str(required=True)
    description = nullable_str()
    category = Str(required=True)
    model = Str(required=True)
    type = Str(required=True, validate=validate.OneOf(FIELD_TYPES))
    options = fields.List(fields.Nested(V1OptionSchema), required=True)
    number_format = fields.Nested(NumberFormatOutSchema, required=True, allow_none=True)
    source = Str(required=True, validate=validate.OneOf(SOURCES),
                 **described("Where the field was made: API or DASHBOARD"))
    created_at = Str(required=True)
    updated_at = Str(required=True)


class V1FieldWithMappingsSchema(V1FieldSchema):
    mappings = fields.List(fields.Nested(V1MappingSchema), required=True)


class V1FieldListSchema(Schema):
    custom_fields = fields.List(fields.Nested(V1FieldSchema), required=True)
    next_cursor = nullable_str()


class PreviewResultSchema(Schema):
    connector_token = nullable_str()
    json_path = Str(required=True)
    resolved_value = fields.Raw(required=True, allow_none=True,
                                **described("What json_path gives on the document"))
    resolved_value_type = Str(required=True, validate=validate.OneOf(
        ["string", "number", "boolean", "object", "array", "null"]))
    found = Bool(required=True, **described(
        "A plain path (names, indexes): every step exists (an explicit null is found, a "
        "missing key is not); any other expression: resolved_value is not null"))
    raw_data_source = Str(required=True, validate=validate.OneOf(
        ["connector_sync", "integration_sample", "inline"]), **described(
        "connector_sync: the connector's latest synced row; integration_sample: the "
        "integration's sample (no connector, or one not synced yet); inline: raw_data"))
    type_check = fields.Nested("TypeCheckSchema", **described(
        "With custom_field_id: the value checked against the field's type, as values are"))


class TypeCheckSchema(Schema):
    ok = Bool(required=True)
    code = Str(required=True, allow_none=True,
               validate=validate.OneOf(["TYPE_MISMATCH", "UNKNOWN_OPTION"]))
    value = fields.Raw(required=True, allow_none=True,
                       **described("The value as the field holds it (null when not ok)"))
    detail = Str()


class ConfigurationFieldSchema(Schema):
    custom_field_id = Str(required=True)
    name = Str(required=True)
    description = nullable_str()
    category = Str(required=True)
    model = Str(required=True)
    json_path = nullable_str()
    source = Str(required=True, allow_none=True,
                 validate=validate.OneOf(["connector", "organization"]), **described(
                     "Which mapping is in effect: connector (the connector's own), "
                     "organization (its integration's), or null (the field is unmapped)"))
    mapping_id = nullable_str()


class ConfigurationSchema(Schema):
    connector_token = Str(required=True)
    integration_slug = Str(required=True)
    category = Str(required=True)
    model = Str(required=True)
    fields = fields.List(fields.Nested(ConfigurationFieldSchema),  # type: ignore[assignment]
                         required=True)


class ResolutionErrorSchema(Schema):
    """Why a field has no value on a record. (Not `ValueErrorSchema`: its component
    `ValueError` would shadow Python's builtin in a generated client.)"""

    code = Str(required=True)
    detail = Str(required=True)


class FieldValueSchema(Schema):
    custom_field_id = Str(required=True)
    name = Str(required=True)
    value = fields.Raw(required=True, allow_none=True)
    found = Bool(required=True, **described(
        "As preview's found, on this row; false when unmapped or the expression fails"))
    source = Str(required=True, allow_none=True,
                 validate=validate.OneOf(["connector", "organization"]), **described(
                     "Which mapping gave the value; null: the field is not mapped"))
    error = fields.Nested(ResolutionErrorSchema, required=True, allow_none=True)


class ValuesRecordSchema(Schema):
    remote_id = Str(required=True)
    synced_at = Str(required=True)
    values = fields.Dict(keys=Str(), values=fields.Raw(allow_none=True), required=True)
    errors = fields.Dict(keys=Str(), values=fields.Nested(ResolutionErrorSchema), required=True)
    fields = fields.List(fields.Nested(FieldValueSchema),  # type: ignore[assignment]
                         required=True)


class ValuesSchema(Schema):
    connector_token = Str(required=True)
    integration_slug = Str(required=True)
    category = Str(required=True)
    model = Str(required=True)
    records = fields.List(fields.Nested(ValuesRecordSchema), required=True)
    next_cursor = nullable_str()
    recomputing = fields.List(Str(), required=True, **described(
        "Fields whose stored values are being recomputed; evaluated for this answer"))


class ConnectorSchema(Schema):
    id = Str(required=True)
    connector_token = Str(required=True)
    integration_slug = Str(required=True)
    name = Str(required=True)
    created_at = Str(required=True)
    last_synced_at = nullable_str()


class ConnectorCreatedSchema(Schema):
    id = Str(required=True)
    connector_token = Str(required=True)
    integration_slug = Str(required=True)
    name = Str(required=True)
    created_at = Str(required=True)


class ConnectorListSchema(Schema):
    connectors = fields.List(fields.Nested(ConnectorSchema), required=True)
    next_cursor = nullable_str()


class SyncResultSchema(Schema):
    connector_token = Str(required=True)
    category = Str(required=True)
    model = Str(required=True)
    received = Int(required=True)
    inserted = Int(required=True)
    updated = Int(required=True)
    unchanged = Int(required=True)
    duplicates = Int(required=True)  # records folded into a later one with their remote id
    digest = Str(required=True)
    synced_at = Str(required=True)


class EventEntrySchema(Schema):
    seq = Int(required=True)
    event_id = Str(required=True)
    type = Str(required=True)
    schema_version = Int(required=True)
    stream_id = Str(required=True)
    stream_version = Int(required=True)
    recorded_at = Str(required=True)
    key_id = nullable_str()
    source = nullable_str()
    request_id = nullable_str()
    idempotency_key = nullable_str()
    reverted_to = Int(required=True, allow_none=True, **described(
        "Written by a revert of the field to this version (POST .../revert); else null"))
    data = fields.Dict(required=True)
    hash = Str(required=True)


class EventListSchema(Schema):
    events = fields.List(fields.Nested(EventEntrySchema), required=True)
    next_cursor = nullable_str()


class HistoryEntrySchema(EventEntrySchema):
    data = fields.Dict()
    field_version = Int(required=True, **described(
        "The field's version this entry belongs to (a mapping's event: the version the "
        "field was at); what a revert's to_version names"))
    before = fields.Dict(allow_none=True, required=True)
    after = fields.Dict(allow_none=True, required=True)


class HistorySchema(Schema):
    custom_field_id = Str(required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    next_cursor = nullable_str()


class PersonsOptionSchema(Schema):
    id = Str(required=True)
    value = Str(required=True)
    color = Str()


class PersonsFieldSchema(Schema):
    id = Str(required=True)
    name = Str(required=True)
    type = Str(required=True, validate=validate.OneOf(FIELD_TYPES))
    options = fields.List(fields.Nested(PersonsOptionSchema), required=True)
    description = Str()
    numberFormat = fields.Nested(NumberFormatOutSchema)


class PersonsFieldListSchema(Schema):
    customFields = fields.List(fields.Nested(PersonsFieldSchema), required=True)


class HealthSchema(Schema):
    status = Str(required=True)
