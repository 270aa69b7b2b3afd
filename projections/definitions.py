"""An organization's definitions (fields with their options and mappings) as rows, on
every backend: the queries, and putting their rows together.

The decision queries (inside a write: an import plans on what it commits on) and the
read queries (an export) run the same three statements, in portable SQL, whatever the
number of fields. The order of the result is the database's; callers that need a
stable order sort it themselves (collations differ between backends).
"""

import json
from typing import Any

Row = dict[str, Any]

_FIELDS = ("SELECT f.id, f.category, f.model, f.name, f.name_key, f.description, f.type,"
           " f.number_format FROM fields f")
_OPTIONS = ("SELECT o.field_id, o.id, o.value, o.value_key, o.color, o.position"
            " FROM field_options o JOIN fields f ON f.id = o.field_id")
_MAPPINGS = ("SELECT m.field_id, m.id, m.integration_slug, m.connector_id, c.token,"
             " m.json_path FROM mappings m JOIN fields f ON f.id = m.field_id"
             " LEFT JOIN connectors c ON c.id = m.connector_id")


def statements(org_id: str, category: str | None = None,
               model: str | None = None) -> list[tuple[str, list[Any]]]:
    """The three queries (fields, options, mappings) of the organization's fields, of
    one category and model when they are given."""
    clauses, params = ["f.org_id = ?"], [org_id]
    for column, value in (("category", category), ("model", model)):
        if value is not None:
            clauses.append(f"f.{column} = ?")
            params.append(value)
    where = " WHERE " + " AND ".join(clauses)
    return [(_FIELDS + where, params), (_OPTIONS + where + " ORDER BY o.field_id, o.position",
                                         params), (_MAPPINGS + where, params)]


def assemble(fields: list[Row], options: list[Row], mappings: list[Row]) -> list[Row]:
    """Each field with `options` (in their order) and `mappings`; rows of a field that is
    not among `fields` (read after it was made, on a reader) are left out."""
    by_id = {}
    for field in fields:
        number_format = field["number_format"]
        by_id[field["id"]] = {**field, "options": [], "mappings": [],
                              "number_format": json.loads(number_format) if number_format
                              else None}
    for option in options:
        owner = by_id.get(option.pop("field_id"))
        if owner is not None:
            owner["options"].append(option)
    for mapping in mappings:
        owner = by_id.get(mapping.pop("field_id"))
        if owner is not None:
            owner["mappings"].append(mapping)
    return list(by_id.values())
