"""The field forms' inputs and the v1 request bodies they become: the creation form's
(options one a line, a number format), the edit form's (and its values from a stored
field), and the type choices both forms offer."""

import re
from typing import Any

from service import fieldtypes

Row = dict[str, Any]
CREATE_INPUTS = ("category", "model", "name", "description", "type", "options",
                 "number_format", "decimal")
EDIT_INPUTS = ("name", "description", "type", "number_format", "decimal")
TRAILING_COLOR = re.compile(r"^(.*\S)\s+(#[0-9A-Fa-f]{6})$")


def number_format_input(fmt: str, decimal: str) -> Row | None:
    """The form's number format (None: none); decimals that are not an integer go to the
    schema as given, which says why they are refused."""
    if not fmt:
        return None
    digits = decimal.strip()
    number: int | str = int(digits) if re.fullmatch(r"-?\d{1,3}", digits) else digits
    return {"format": fmt, "decimal": 0 if digits == "" else number}


def type_extras() -> Row:
    return {"types": fieldtypes.TYPE_NAMES, "formats": fieldtypes.Number.formats,
            "decimals": fieldtypes.Number.decimals,
            "option_types": [t.name for t in fieldtypes.REGISTRY.values() if t.has_options],
            "number_types": [t.name for t in fieldtypes.REGISTRY.values()
                             if t.has_number_format]}


def parse_options(text: str) -> list[Row]:
    """One option per line, optionally followed by its colour: `Remote #1E88E5`."""
    options = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        colored = TRAILING_COLOR.match(line)
        options.append({"value": colored.group(1), "color": colored.group(2)} if colored
                       else {"value": line})
    return options


def create_input(values: Row) -> Row:
    """The creation form's inputs as a FieldCreateSchema body."""
    kind = fieldtypes.REGISTRY.get(values["type"])
    data: Row = {"category": values["category"], "model": values["model"],
                 "name": values["name"].strip(),
                 "description": values["description"].strip() or None,
                 "type": values["type"] or fieldtypes.DEFAULT_TYPE}
    if kind is not None and kind.has_options and values["options"].strip():
        data["options"] = parse_options(values["options"])
    if kind is not None and kind.has_number_format:
        data["number_format"] = number_format_input(values["number_format"], values["decimal"])
    return data


def edit_values(field: Row) -> Row:
    """The edit form's inputs for a stored field."""
    number_format = field["number_format"] or {}
    return {"name": field["name"], "description": field["description"] or "",
            "type": field["type"], "number_format": number_format.get("format", ""),
            "decimal": str(number_format.get("decimal", 0))}


def edit_input(values: Row, field: Row) -> Row:
    """The edit form's inputs as a FieldPatchSchema body."""
    kind = fieldtypes.REGISTRY.get(values["type"])
    description = values["description"].strip()
    changes: Row = {"name": values["name"].strip(), "type": values["type"],
                    "description": description if description or field["description"] == ""
                    else None}
    if kind is not None and kind.has_number_format:
        changes["number_format"] = number_format_input(values["number_format"],
                                                       values["decimal"])
    return changes
