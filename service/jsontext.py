"""JSON text for response bodies: orjson when it can, the standard encoder otherwise.

orjson is several times faster on the large bodies of lists and resolved values; it
refuses integers beyond 64 bits (upstream data may hold them), which the standard
encoder writes. Both write the same compact UTF-8 (integer keys, as in the `errors` of
a list's items, become strings); neither ever writes NaN or Infinity.
"""

import json
from typing import Any

import orjson


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, say
        return json.dumps(value, allow_nan=False, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")
