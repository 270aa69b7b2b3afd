"""JSON text for response bodies: orjson when it can, the standard encoder otherwise.

orjson is several times faster on the large bodies of lists and resolved values; it
refuses integers beyond 64 bits (upstream data may hold them), which the standard
encoder writes. Neither ever writes NaN or Infinity.
"""

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, say
        return json.dumps(value, allow_nan=False)
