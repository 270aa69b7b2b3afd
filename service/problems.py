"""RFC 9457 problem+json responses."""

import json
from http import HTTPStatus
from typing import Any

from aiohttp import web

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://custom-fields.dev/problems/"


def problem_response(status: int, code: str, detail: str, *, title: str | None = None,
                     errors: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None,
                     instance: str | None = None) -> web.Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return web.Response(status=status, text=json.dumps(body), headers=headers,
                        content_type=PROBLEM_CONTENT_TYPE)
