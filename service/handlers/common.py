"""Small helpers shared by handlers: query parameters, metadata, JSON answers."""

from typing import Any

from aiohttp import web

from events import Metadata
from service.auth import principal
from service.errors import ValidationFailed


def metadata(request: web.Request, source: str = "API") -> Metadata:
    who = principal(request)
    return Metadata(key_id=who.key_id, request_id=request.get("request_id"), source=source,
                    idempotency_key=request.headers.get("Idempotency-Key"))


def required_query(request: web.Request, *names: str) -> list[str]:
    missing = [n for n in names if not request.query.get(n)]
    if missing:
        raise ValidationFailed("missing query parameter(s): " + ", ".join(missing),
                               errors={n: ["Missing data for required field."] for n in missing})
    return [request.query[n] for n in names]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> web.Response:
    return web.json_response(body, status=status, headers=headers)
