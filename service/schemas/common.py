"""Rules shared by both API dialects: field types, number formats, options, pagination."""

import re

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from service import fieldtypes

FIELD_TYPES = fieldtypes.TYPE_NAMES
NUMBER_FORMATS = fieldtypes.Number.formats
SOURCES = ("API", "DASHBOARD")
DESCRIPTION_MAX = 2000
OPTION_VALUE_MAX = 255
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}(?![\s\S])")  # (?!...): the end, in Python and ECMA


def trimmed(data, names):
    """Strip surrounding white space from the named string attributes before validation."""
    if isinstance(data, dict):
        data = dict(data)
        for name in names:
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
    return data


validate_color = validate.Regexp(COLOR, error="a color is a hex RGB value such as #FFD700")


class NumberFormatSchema(Schema):
    format = fields.String(required=True, validate=validate.OneOf(NUMBER_FORMATS))
    decimal = fields.Integer(load_default=0, validate=validate.Range(*fieldtypes.Number.decimals),
                             strict=True)


class OptionSchema(Schema):
    """An option of a multiselect field: a trimmed value of 1-255 characters, and a color."""

    value = fields.String(required=True, validate=validate.Length(1, OPTION_VALUE_MAX))
    color = fields.String(load_default=None, allow_none=True, validate=validate_color)

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("value", "color"))

    @post_load
    def _normalise(self, data, **_):
        if data.get("color"):
            data["color"] = data["color"].upper()
        return data


class OptionPatchSchema(OptionSchema):
    value = fields.String(validate=validate.Length(1, OPTION_VALUE_MAX))
    color = fields.String(allow_none=True, validate=validate_color)


class OptionOrderSchema(Schema):
    option_ids = fields.List(fields.String(), required=True, data_key="optionIds",
                             validate=validate.Length(min=1))


def check_type_extras(data: dict, number_format_key: str) -> None:
    """What the field's type refuses (options, a number format), as the type registry
    says, reported under this dialect's attribute names."""
    refused = fieldtypes.extras_refused(data.get("type", fieldtypes.DEFAULT_TYPE),
                                        options=bool(data.get("options")),
                                        number_format=data.get("number_format") is not None)
    if refused:
        names = {"options": "options", "number_format": number_format_key}
        raise ValidationError({names[k]: [v] for k, v in refused.items()})


class PageSchema(Schema):
    """`limit` and an opaque `cursor` (bounds applied by the handler from settings)."""

    limit = fields.Integer(load_default=None, validate=validate.Range(min=1))
    cursor = fields.String(load_default=None)
