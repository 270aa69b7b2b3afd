"""Reading a JSON request body within the service's bounds."""

import json
from typing import Any

from aiohttp import web

from service.appkeys import settings_key
from service.errors import BadRequest, PayloadTooLarge


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests containers deeper than `limit` (iterative, no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False


async def read_json(request: web.Request, *, expect_object: bool = True) -> Any:
    settings = request.app[settings_key]
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge(
            f"request body exceeds {settings.max_body_bytes} bytes") from None
    if not raw.strip():
        raise BadRequest("request body is empty; a JSON object is expected",
                         code="MALFORMED_JSON")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}", code="MALFORMED_JSON") from None
    if json_depth_exceeds(value, settings.max_json_depth):
        raise BadRequest(f"JSON nesting deeper than {settings.max_json_depth} levels",
                         code="JSON_TOO_DEEP")
    if expect_object and not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object", code="MALFORMED_JSON")
    return value
