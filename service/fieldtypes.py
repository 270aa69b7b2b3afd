"""The field-type registry: one class per type of custom field.

A type says what a field of it accepts (options, a number format), which type changes
lose nothing, and how an upstream value is coerced and checked. Schemas, commands and
value resolution ask the registry; adding a type (`boolean`, `date`) is adding a class
here and registering it.
"""

import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from service.keys import option_key


class ValueMismatch(Exception):
    """A value that does not fit its field; `code` is TYPE_MISMATCH or UNKNOWN_OPTION."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


Checker = Callable[[Any], Any]


class FieldType:
    name: ClassVar[str]
    has_options: ClassVar[bool] = False
    has_number_format: ClassVar[bool] = False
    # types a field may change to without invalidating values, and when
    safe_changes: ClassVar[tuple[str, ...]] = ()
    safe_change_note: ClassVar[str | None] = None  # "number -> text", for the refusal

    def can_change_to(self, other: "FieldType", *, has_options: bool) -> bool:
        return other.name in self.safe_changes and not has_options

    def checker(self, options: list[dict[str, Any]]) -> Checker:
        """The function turning an upstream value into the field's value (None stays
        None), raising ValueMismatch; built once per field, applied per row."""
        raise NotImplementedError


class Text(FieldType):
    name = "text"

    def checker(self, options: list[dict[str, Any]]) -> Checker:
        return _as_text


class Number(FieldType):
    name = "number"
    has_number_format = True
    formats: ClassVar[tuple[str, ...]] = ("number", "percent", "USD", "EUR", "JPY", "CAD",
                                          "AUD", "CNY", "unformatted")
    decimals: ClassVar[tuple[int, int]] = (0, 10)  # digits after the point, both inclusive
    safe_changes = ("text",)
    safe_change_note = "number -> text"

    def checker(self, options: list[dict[str, Any]]) -> Checker:
        return _as_number


class Multiselect(FieldType):
    name = "multiselect"
    has_options = True
    safe_changes = ("text",)
    safe_change_note = "multiselect (without options) -> text"

    def checker(self, options: list[dict[str, Any]]) -> Checker:
        index = {option_key(o["value"]): o["value"] for o in options}
        return lambda value: _as_options(value, index)


class Boolean(FieldType):
    name = "boolean"
    safe_changes = ("text",)
    safe_change_note = "boolean -> text"

    def checker(self, options: list[dict[str, Any]]) -> Checker:
        return _as_boolean


class Date(FieldType):
    """A calendar date, held as `YYYY-MM-DD`."""

    name = "date"
    safe_changes = ("text",)
    safe_change_note = "date -> text"

    def checker(self, options: list[dict[str, Any]]) -> Checker:
        return _as_date


REGISTRY: dict[str, FieldType] = {t.name: t for t in (Text(), Number(), Multiselect(),
                                                       Boolean(), Date())}
TYPE_NAMES: tuple[str, ...] = tuple(REGISTRY)
DEFAULT_TYPE = "text"


def field_type(name: str) -> FieldType:
    return REGISTRY[name]


def safe_changes_text() -> str:
    """Every safe type change, as the refusal of an unsafe one lists them."""
    return " and ".join(t.safe_change_note for t in REGISTRY.values() if t.safe_change_note)


# --- coercions ------------------------------------------------------------------------------

def _as_number(value: Any) -> int | float | None:
    """A number as is, a numeric string as the number it spells; finite either way."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueMismatch("TYPE_MISMATCH", "a boolean is not a number")
    number = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            try:
                number = float(value.strip())
            except ValueError:
                raise ValueMismatch("TYPE_MISMATCH", f"{value!r} is not a number") from None
    elif not isinstance(value, (int, float)):
        raise ValueMismatch("TYPE_MISMATCH", f"a {type(value).__name__} is not a number")
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueMismatch("TYPE_MISMATCH", f"{value!r} is not a finite number")
    return number


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return repr(value)
    raise ValueMismatch("TYPE_MISMATCH", "an object or array is not text")


_BOOLEANS = {"true": True, "false": False}


def _as_boolean(value: Any) -> bool | None:
    """true/false, the strings "true"/"false" in any case, and 1/0."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    raise ValueMismatch("TYPE_MISMATCH", f"{value!r} is not a boolean (true, false, 1 or 0)")


def _as_date(value: Any) -> str | None:
    """An ISO 8601 date as is; a full ISO datetime reduced to its UTC date (one without
    an offset is taken as UTC); anything else is a mismatch."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return moment.date().isoformat()
    raise ValueMismatch("TYPE_MISMATCH", f"{value!r} is not an ISO 8601 date or datetime")


def _as_options(value: Any, index: dict[str, str]) -> list[str] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    chosen = []
    for item in items:
        if not isinstance(item, str):
            raise ValueMismatch("TYPE_MISMATCH", "multiselect values are strings")
        canonical = index.get(option_key(item))
        if canonical is None:
            raise ValueMismatch("UNKNOWN_OPTION", f"{item!r} is not an option of this field")
        chosen.append(canonical)
    return chosen


def extras_refused(type_name: str, *, options: bool, number_format: bool) -> dict[str, str]:
    """What a field of the type may not carry: {"options"|"number_format": why}."""
    kind = field_type(type_name)
    refused = {}
    if options and not kind.has_options:
        refused["options"] = f"options are only allowed on {_types_with('has_options')} fields"
    if number_format and not kind.has_number_format:
        refused["number_format"] = ("a number format is only allowed on "
                                    f"{_types_with('has_number_format')} fields")
    return refused


def _types_with(attribute: str) -> str:
    return " or ".join(t.name for t in REGISTRY.values() if getattr(t, attribute))
