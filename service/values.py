"""Resolving custom-field values on synced rows: evaluate the effective mapping, then
check the result against the field's type. Failures are per field, never per request."""

import math
from typing import Any

from service.jmes import Compiled, ExpressionCache, ExpressionError, evaluate


class ValueError_(Exception):
    """A value that does not fit its field; `code` is TYPE_MISMATCH or UNKNOWN_OPTION."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _as_number(value: Any) -> int | float:
    """A number as is, a numeric string as the number it spells; finite either way."""
    if isinstance(value, bool):
        raise ValueError_("TYPE_MISMATCH", "a boolean is not a number")
    number = value
    if isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            try:
                number = float(value.strip())
            except ValueError:
                raise ValueError_("TYPE_MISMATCH", f"{value!r} is not a number") from None
    elif not isinstance(value, (int, float)):
        raise ValueError_("TYPE_MISMATCH", f"a {type(value).__name__} is not a number")
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError_("TYPE_MISMATCH", f"{value!r} is not a finite number")
    return number


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return repr(value)
    raise ValueError_("TYPE_MISMATCH", "an object or array is not text")


def _as_options(value: Any, options: dict[str, str]) -> list[str]:
    items = value if isinstance(value, list) else [value]
    chosen = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError_("TYPE_MISMATCH", "multiselect values are strings")
        canonical = options.get(item.strip().casefold())
        if canonical is None:
            raise ValueError_("UNKNOWN_OPTION", f"{item!r} is not an option of this field")
        chosen.append(canonical)
    return chosen


def check_type(field_type: str, value: Any, options: dict[str, str]) -> Any:
    """The value as the field's type holds it; None stays None (no value)."""
    if value is None:
        return None
    if field_type == "number":
        return _as_number(value)
    if field_type == "multiselect":
        return _as_options(value, options)
    return _as_text(value)


def compile_mapping(expressions: ExpressionCache, json_path: str | None
                    ) -> Compiled | ExpressionError | None:
    """The compiled effective mapping (once per request), its compile error, or None."""
    if json_path is None:
        return None
    try:
        return expressions.compile(json_path)
    except ExpressionError as exc:
        return exc


def resolve(compiled: Compiled | ExpressionError | None, field_type: str,
            options: dict[str, str], document: Any) -> tuple[Any, dict[str, str] | None]:
    """(value, None) or (None, {"code", "detail"})."""
    if compiled is None:
        return None, None
    try:
        if isinstance(compiled, ExpressionError):
            raise compiled
        raw = evaluate(compiled, document, json_only=False)
        return check_type(field_type, raw, options), None
    except (ExpressionError, ValueError_) as exc:
        return None, {"code": exc.code, "detail": exc.detail}
