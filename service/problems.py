"""RFC 9457 problem+json responses: one title per status, compact UTF-8 bodies."""

from http import HTTPStatus
from typing import Any

from aiohttp import web

from service.jsontext import dumps

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://custom-fields.dev/problems/"
TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 412: "Precondition failed",
    413: "Payload too large", 422: "Validation failed", 429: "Too many requests",
    500: "Internal error", 503: "Service unavailable",
}


def title(status: int) -> str:
    """The one spelling of a status's title (sentence case)."""
    return TITLES.get(status) or HTTPStatus(status).phrase.capitalize()


def problem_response(status: int, code: str, detail: str, *,
                     errors: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> web.Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return web.Response(status=status, text=dumps(body), headers=headers,
                        content_type=PROBLEM_CONTENT_TYPE, charset="utf-8")
