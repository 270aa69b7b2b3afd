"""JSON text for response bodies: orjson when it can, the standard encoder otherwise.

orjson is several times faster on the large bodies of lists and resolved values; it
refuses integers beyond 64 bits (upstream data may hold them), which the standard
encoder writes. Neither ever writes NaN or Infinity.
"""

import json
from typing import Any

import orjson


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, say
        return json.dumps(value, allow_nan=False).encode("utf-8")


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")
