"""Reading a JSON request body within the service's bounds."""

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from events.canonical import fast_loads
from service.appkeys import settings_key
from service.errors import BadRequest, PayloadTooLarge


def check_bounds(value: Any, max_depth: int, max_string: int, *,
                 may_hold_surrogates: bool = True) -> None:
    """Refuse containers nested deeper than `max_depth`, strings (values or keys)
    longer than `max_string`, and strings that are not text (lone surrogates, looked
    for only when the body `may_hold_surrogates`). Level by level, so no input can
    exhaust the stack; the strings are collected and measured in bulk, which keeps a
    body of 100,000 of them within a few milliseconds."""
    strings: list[str] = [value] if isinstance(value, str) else []
    level = [value] if isinstance(value, dict | list) else []
    depth = 1
    while level:
        nested: list[Any] = []
        children: Iterable[Any]
        for item in level:
            if type(item) is dict:  # parsed JSON: plain dicts, lists and strings
                strings.extend(item)
                children = item.values()
            else:
                children = item
            for child in children:
                kind = type(child)
                if kind is str:
                    strings.append(child)
                elif kind is dict or kind is list:
                    nested.append(child)
        if nested and depth >= max_depth:
            raise BadRequest(f"JSON nesting deeper than {max_depth} levels", code="JSON_TOO_DEEP")
        level, depth = nested, depth + 1
    if strings and max(map(len, strings)) > max_string:
        raise BadRequest(f"a string in the body is longer than {max_string} characters",
                         code="STRING_TOO_LONG")
    if may_hold_surrogates:
        for text in strings:
            if not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise BadRequest("a string in the body holds a lone surrogate (\\ud800-"
                                     "\\udfff escape), which is not text", code="MALFORMED_JSON"
                                     ) from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range for a number")
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _may_exceed_bounds(raw: bytes, max_depth: int, max_string: int) -> bool:
    """False when the raw body alone proves every bound holds (the usual small body):
    no string can be longer than the body, no nesting deeper than its brackets, and
    lone surrogates can only come from \\uD800-\\uDFFF escapes."""
    return (len(raw) > max_string or raw.count(b"[") + raw.count(b"{") > max_depth
            or _SURROGATE_ESCAPE.search(raw) is not None)


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
    parsed, value = fast_loads(raw)  # orjson refuses NaN, Infinity and 1e999 too
    try:
        if not parsed:  # the standard parser, which also says what is wrong
            value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}", code="MALFORMED_JSON") from None
    if _may_exceed_bounds(raw, settings.max_json_depth, settings.max_string_length):
        check_bounds(value, settings.max_json_depth, settings.max_string_length,
                     may_hold_surrogates=_SURROGATE_ESCAPE.search(raw) is not None)
    if expect_object and not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object", code="MALFORMED_JSON")
    return value
