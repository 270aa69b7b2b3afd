"""Definitions as code: an organization's fields, options, number formats and mappings
as one JSON document without ids, in a stable order.

The same document comes out of an export and goes into an import
(`service.commands.definitions`); it identifies a field by (category, model, name),
an option by its value within its field, and a mapping by its field and scope (an
integration slug or a connector token). Fields are ordered by category, model and name
(case-insensitively, as names are unique), options in their own order, a field's
mappings integration-scoped first (by slug), then connector-scoped (by token).
"""

from typing import Any

from service.keys import name_key
from service.schemas.definitions import FORMAT_VERSION

Row = dict[str, Any]


def field_order(field: Row) -> tuple[str, str, str, str]:
    return field["category"], field["model"], name_key(field["name"]), field["name"]


def mapping_scope(mapping: Row) -> tuple[str | None, str | None]:
    """(integration_slug, connector_token): one of them is None."""
    if mapping.get("integration_slug") is not None:
        return mapping["integration_slug"], None
    return None, mapping.get("connector_token", mapping.get("token"))


def mapping_order(mapping: Row) -> tuple[int, str]:
    slug, token = mapping_scope(mapping)
    return (0, slug) if slug is not None else (1, token or "")


def mapping_definition(mapping: Row) -> Row:
    slug, token = mapping_scope(mapping)
    return {"integration_slug": slug, "connector_token": token,
            "json_path": mapping["json_path"]}


def field_definition(field: Row) -> Row:
    """A stored field (with its options and mappings) as the document shows it."""
    return {
        "category": field["category"],
        "model": field["model"],
        "name": field["name"],
        "description": field["description"],
        "type": field["type"],
        "options": [{"value": o["value"], "color": o["color"]} for o in field["options"]],
        "number_format": None if field["number_format"] is None else {
            "format": field["number_format"]["format"],
            "decimal": field["number_format"]["decimal"]},
        "mappings": [mapping_definition(m) for m in sorted(field["mappings"],
                                                           key=mapping_order)],
    }


def document(fields: list[Row], category: str | None = None,
             model: str | None = None) -> Row:
    """The document of `fields` (`projections` rows with options and mappings), of the
    scope they were read for."""
    return {"format_version": FORMAT_VERSION,
            "scope": {"category": category, "model": model},
            "fields": [field_definition(f) for f in sorted(fields, key=field_order)]}
