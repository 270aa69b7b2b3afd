"""Request and answer shapes of bulk mappings and of definitions as code (v1).

A definitions document is what an export answers and an import takes: every field of
the organization (or of one category and model) with its options, number format and
mappings, identified by (category, model, name) rather than by id. Its field, option,
number-format and mapping rules are those of the single-resource routes.
"""

from collections.abc import Callable

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from service.fieldtypes import DEFAULT_TYPE
from service.keys import name_key, option_key
from service.schemas.common import (
    DESCRIPTION_MAX,
    FIELD_TYPES,
    NumberFormatSchema,
    OptionSchema,
    check_type_extras,
    trimmed,
)
from service.schemas.responses import described
from service.schemas.v1 import NAME_RULES, MappingCreateSchema

FORMAT_VERSION = 1
BULK_MAX = 500
# The persons API's model: its fields may carry that API's display names
DISPLAY_NAMED = ("CRM", "person")
PLAN_KINDS = ("field", "option", "option_order", "mapping")


# --- bulk mappings ----------------------------------------------------------------------

class EachOnItsOwn(fields.List):
    """A list whose items are loaded one by one: an item that does not load is kept, at
    its index, as its ValidationError, so every item's errors can be reported by index."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        loaded = []
        for item in value:
            if not isinstance(item, dict):
                loaded.append(ValidationError(["a mapping is a JSON object, as the body of "
                                               "POST /api/v1/custom-fields/mapping"]))
                continue
            try:
                loaded.append(self.inner.deserialize(item, **kwargs))
            except ValidationError as exc:
                loaded.append(exc)
        return loaded


class MappingBulkSchema(Schema):
    mappings = EachOnItsOwn(fields.Nested(MappingCreateSchema), required=True,
                            validate=validate.Length(1, BULK_MAX), **described(
                                f"1-{BULK_MAX} mappings, each the body of a single create"))


class MappingsCreatedSchema(Schema):
    ids = fields.List(fields.String(), required=True,
                      **described("The new mappings' ids, in the order they were given"))


# --- the definitions document ----------------------------------------------------------------

class MappingDefinitionSchema(MappingCreateSchema):
    """A mapping of the field it is listed under: the create body without the field id."""

    class Meta:
        exclude = ("custom_field_id",)


class FieldDefinitionSchema(Schema):
    category = fields.String(required=True)
    model = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 128), **described(
        "snake_case as in the v1 API; a CRM person field's may be a persons API display "
        "name. With (category, model) it identifies the field"))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=DESCRIPTION_MAX))
    type = fields.String(load_default=DEFAULT_TYPE, validate=validate.OneOf(FIELD_TYPES))
    options = fields.List(fields.Nested(OptionSchema), load_default=list,
                          **described("In their order; matched to a field's by value"))
    number_format = fields.Nested(NumberFormatSchema, load_default=None, allow_none=True)
    mappings = fields.List(fields.Nested(MappingDefinitionSchema), load_default=list,
                           **described("Matched to a field's by scope (integration or "
                                       "connector)"))

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("name",))

    @validates_schema
    def _rules(self, data, **_):
        check_type_extras(data, "number_format")
        if (data["category"], data["model"]) != DISPLAY_NAMED:
            try:
                for rule in NAME_RULES:
                    rule(data["name"])
            except ValidationError as exc:
                raise ValidationError({"name": exc.messages}) from None
        _unique(data["options"], "options", lambda o: option_key(o["value"]),
                lambda o: "value")
        _unique(data["mappings"], "mappings",
                lambda m: (m["integration_slug"], m["connector_token"]),
                lambda m: "integration_slug" if m["integration_slug"] else "connector_token")


def _unique(items: list[dict], attribute: str, key: Callable[[dict], object],
            where: Callable[[dict], str]) -> None:
    """Refuse an item whose key an earlier item has, at its index and attribute."""
    seen: dict[object, int] = {}
    errors = {}
    for index, item in enumerate(items):
        found = key(item)
        if found in seen:
            errors[index] = {where(item): [f"given twice: also {attribute}.{seen[found]}"]}
        seen.setdefault(found, index)
    if errors:
        raise ValidationError({attribute: errors})


class DefinitionsScopeSchema(Schema):
    category = fields.String(load_default=None, allow_none=True)
    model = fields.String(load_default=None, allow_none=True)


class DefinitionsSchema(Schema):
    format_version = fields.Integer(required=True, strict=True,
                                    validate=validate.OneOf([FORMAT_VERSION]))
    scope = fields.Nested(DefinitionsScopeSchema, load_default=lambda: {
        "category": None, "model": None}, **described(
        "What the document covers (null: every category, every model): an import with "
        "prune deletes only within it"))
    field_list = fields.List(fields.Nested(FieldDefinitionSchema), required=True,
                             data_key="fields")

    @validates_schema
    def _within_scope_and_unique(self, data, **_):
        scope = data["scope"]
        errors: dict[int, dict] = {}
        seen: dict[tuple[str, str, str], int] = {}
        for index, item in enumerate(data["field_list"]):
            for attribute in ("category", "model"):
                if scope[attribute] is not None and item[attribute] != scope[attribute]:
                    errors.setdefault(index, {})[attribute] = [
                        f"outside the document's scope ({attribute} {scope[attribute]})"]
            key = (item["category"], item["model"], name_key(item["name"]))
            if key in seen:
                errors.setdefault(index, {})["name"] = [f"given twice: also fields.{seen[key]}"]
            seen.setdefault(key, index)
        if errors:
            raise ValidationError({"fields": errors})


# --- queries and the plan --------------------------------------------------------------------

class DefinitionsQuerySchema(Schema):
    """Query of the export: optionally one category, one model."""

    category = fields.String(load_default=None)
    model = fields.String(load_default=None)


class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, **described(
        "true: answer the plan and write nothing"))
    prune = fields.Boolean(load_default=False, **described(
        "true: also delete what the document's scope holds and the document does not"))


class ChangeSchema(Schema):
    before = fields.Raw(required=True, allow_none=True)
    after = fields.Raw(required=True, allow_none=True)


class PlanEntrySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(PLAN_KINDS))
    category = fields.String(required=True)
    model = fields.String(required=True)
    field = fields.String(required=True, **described("The field's name"))
    option = fields.String(**described("An option entry's value"))
    integration_slug = fields.String(allow_none=True, **described("A mapping entry's scope"))
    connector_token = fields.String(allow_none=True, **described("A mapping entry's scope"))
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(ChangeSchema),
                          **described("An update's changes, by attribute"))


class PlanSchema(Schema):
    dry_run = fields.Boolean(required=True)
    prune = fields.Boolean(required=True)
    create = fields.List(fields.Nested(PlanEntrySchema), required=True)
    update = fields.List(fields.Nested(PlanEntrySchema), required=True)
    delete = fields.List(fields.Nested(PlanEntrySchema), required=True)
    skipped = fields.List(fields.Nested(PlanEntrySchema), required=True, **described(
        "Without prune: what prune would delete, left as it is"))
    unchanged = fields.Integer(required=True, **described(
        "Fields, options and mappings the document matches exactly"))
