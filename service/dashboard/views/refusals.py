"""A refused field form's reasons as the forms show them: a schema's or a command's
refusal as {"detail", "errors": {input: [reasons]}}, and the status of the page that
shows it without htmx."""

from typing import Any

from marshmallow import ValidationError

from service.errors import DomainError, DuplicateName, StaleResource

NO_REFUSAL: dict[str, Any] = {"detail": None, "errors": {}}
STALE = ("this field has changed since the page was loaded (another change was saved "
         "meanwhile): reload the page, check, and try again")


def refusal(exc: ValidationError | DomainError) -> dict[str, Any]:
    """{"detail", "errors": {input: [reasons]}} of a schema's or a command's refusal."""
    if isinstance(exc, ValidationError):
        return {"detail": "some values are not valid", "errors": _flat(exc.messages)}
    if isinstance(exc, StaleResource):
        return {"detail": STALE, "errors": {}}
    errors = _flat(exc.errors or {})
    if isinstance(exc, DuplicateName):
        errors.setdefault("name", [exc.detail])
    return {"detail": exc.detail, "errors": errors}


def _flat(messages: Any) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"form": _texts(messages)}
    return {("form" if key == "_schema" else str(key)): _texts(value)
            for key, value in messages.items()}


def _texts(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, inner in value.items():
            label = f"option {key + 1}" if isinstance(key, int) else str(key)
            found += _texts(inner, f"{path}{label}: ")
        return found
    if isinstance(value, (list, tuple)):
        return [text for inner in value for text in _texts(inner, path)]
    return [f"{path}{value}"]


def refused_status(exc: ValidationError | DomainError) -> int:
    """The status of a refused form's page without htmx (an htmx answer is 200, since
    htmx swaps 2xx only)."""
    return 422 if isinstance(exc, ValidationError) else exc.status
