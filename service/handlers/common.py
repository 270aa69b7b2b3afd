"""Small helpers shared by handlers: query parameters, metadata, the command context,
pages and JSON answers."""

import base64
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from marshmallow import RAISE, Schema, ValidationError, fields

from events import Metadata
from projections import Backend
from service.appkeys import backend_key, context_key, query_cache_key, request_id_key, settings_key
from service.auth import principal
from service.commands import Command, Context
from service.commands.base import Tx
from service.errors import InvalidCursor, ValidationFailed
from service.jsontext import dumps_bytes

R = TypeVar("R")


def backend(request: web.Request) -> Backend:
    return request.app[backend_key]


def context(request: web.Request) -> Context:
    return request.app[context_key]


def checked(request: web.Request, command: Command[R]) -> Callable[[Tx], R]:
    """The command, its stateless rules checked now, as a unit for the writer; its
    events carry this request's metadata."""
    return command.unit(context(request), metadata(request))


def metadata(request: web.Request, source: str = "API") -> Metadata:
    who = principal(request)
    return Metadata(key_id=who.key_id, request_id=request.get(request_id_key), source=source,
                    idempotency_key=request.headers.get("Idempotency-Key"))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> web.Response:
    """The body as compact JSON bytes: what `web.json_response` sends, without its
    round trip through text."""
    return web.Response(body=dumps_bytes(body), status=status, headers=headers,
                        content_type="application/json", charset="utf-8")


def page_limit(request: web.Request, requested: int | None) -> int:
    settings = request.app[settings_key]
    if requested is None:
        return min(settings.default_page_size, settings.max_page_size)
    if requested > settings.max_page_size:
        raise ValidationFailed(f"limit is at most {settings.max_page_size}",
                               code="PAGE_SIZE_TOO_LARGE",
                               errors={"limit": [f"at most {settings.max_page_size}"]})
    return requested


def encode_cursor(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_",
                                validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None


def paginate(rows: list[Any], limit: int, key) -> tuple[list[Any], str | None]:
    """Rows were fetched with `limit + 1`: keep `limit`, and a cursor if there are more."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None


def query(request: web.Request, schema: Schema) -> dict[str, Any]:
    """Validate the query string as bodies are: a parameter the schema does not know is a
    422 naming it, as is one given twice that takes a single value; a parameter the
    schema declares as a list is repeatable (`?remote_id=a&remote_id=b`).

    A query string validated once is remembered (the result depends on nothing else),
    so the polling clients of the read path skip the validation; a copy is handed out."""
    cache = request.app[query_cache_key]
    key = (id(schema), request.query_string)
    loaded = cache.get(key)
    if loaded is None:
        loaded = schema.load(_parameters(request, schema), unknown=RAISE)
        cache.put(key, loaded)
    return dict(loaded)


def _parameters(request: web.Request, schema: Schema) -> dict[str, Any]:
    given: dict[str, Any] = {}
    repeated: dict[str, list[str]] = {}
    for name in request.query:
        values = request.query.getall(name)
        declared = schema.fields.get(name)
        if isinstance(declared, fields.List):
            given[name] = values
        elif len(values) > 1:
            repeated[name] = [f"given {len(values)} times; give it once"]
        else:
            given[name] = values[0]
    if repeated:
        raise ValidationError(repeated)
    return given
