"""Persons API request schemas (camelCase, as in the reference document).

Fields of this API are the fields of the (CRM, person) model. Names are trimmed display
names of 1-128 characters (not snake_case); every option and number-format rule comes
from service.schemas.common, shared with the v1 API.
"""

from marshmallow import Schema, fields, pre_load, validate, validates_schema

from service.fieldtypes import DEFAULT_TYPE
from service.schemas.common import (
    DESCRIPTION_MAX,
    FIELD_TYPES,
    NumberFormatSchema,
    OptionOrderSchema,
    OptionPatchSchema,
    OptionSchema,
    check_type_extras,
    trimmed,
)

NAME_MAX = 128
_name = validate.Length(1, NAME_MAX)
_description = validate.Length(max=DESCRIPTION_MAX)


class PersonsFieldCreateSchema(Schema):
    name = fields.String(required=True, validate=_name)
    description = fields.String(load_default=None, allow_none=True, validate=_description)
    type = fields.String(load_default=DEFAULT_TYPE, validate=validate.OneOf(FIELD_TYPES))
    options = fields.List(fields.Nested(OptionSchema), load_default=list)
    number_format = fields.Nested(NumberFormatSchema, data_key="numberFormat",
                                  load_default=None, allow_none=True)

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("name",))

    @validates_schema
    def _type_extras(self, data, **_):
        check_type_extras(data, "numberFormat")


class PersonsFieldPatchSchema(Schema):
    """Only the attributes given change; options have endpoints of their own."""

    name = fields.String(validate=_name)
    description = fields.String(allow_none=True, validate=_description)
    type = fields.String(validate=validate.OneOf(FIELD_TYPES))
    number_format = fields.Nested(NumberFormatSchema, data_key="numberFormat", allow_none=True)

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("name",))


class PersonsFieldListSchema(Schema):
    type = fields.String(load_default=None, validate=validate.OneOf(FIELD_TYPES))


# Options: the shared rules, unchanged (value trimmed, 1-255; color "#RRGGBB", upper-cased).
PersonsOptionCreateSchema = OptionSchema
PersonsOptionPatchSchema = OptionPatchSchema
PersonsOptionOrderSchema = OptionOrderSchema
