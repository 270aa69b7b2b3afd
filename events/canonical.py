"""Canonical JSON and hashing: the one byte form used for the hash chain and checksums."""

import hashlib
import json
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Serialise with sorted keys and no insignificant white space."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def loads(text: str | bytes) -> Any:
    """Parse JSON quickly (orjson); the standard parser takes what orjson refuses to
    hold, such as integers beyond 64 bits."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(previous_hash: str, body: dict[str, Any]) -> str:
    """The hash of one event: sha256 over the previous hash and the event's canonical JSON."""
    return sha256_hex(previous_hash + canonical_json(body))
