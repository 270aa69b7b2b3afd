"""Canonical JSON and hashing: the one byte form used for the hash chain and checksums."""

import hashlib
import json
import re
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Serialise with sorted keys and no insignificant white space."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


# orjson reads an integer beyond 64 bits as a float, silently: text with a run of 19 or
# more digits goes to the standard parser, which keeps every digit.
# (ASCII digits only, as JSON numbers are, and no `,}`: a run of 19 is enough to know)
_LONG_NUMBER = re.compile(r"[0-9]{19}", re.ASCII)
_LONG_NUMBER_BYTES = re.compile(rb"[0-9]{19}")


def fast_loads(text: str | bytes) -> tuple[bool, Any]:
    """(True, value) parsed by orjson, or (False, None) when the text holds a number
    orjson would round or something orjson refuses (the caller then uses `json`)."""
    long_number = (_LONG_NUMBER_BYTES.search(text) if isinstance(text, bytes)
                   else _LONG_NUMBER.search(text))
    if long_number is None:
        try:
            return True, orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return False, None


def loads(text: str | bytes) -> Any:
    """Parse JSON quickly (orjson) unless it holds a number orjson would round; the
    standard parser also takes what orjson refuses."""
    parsed, value = fast_loads(text)
    return value if parsed else json.loads(text)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(previous_hash: str, body: dict[str, Any]) -> str:
    """The hash of one event: sha256 over the previous hash and the event's canonical JSON."""
    return chain_hash_text(previous_hash, canonical_json(body))


def chain_hash_text(previous_hash: str, body_json: str) -> str:
    """`chain_hash` over a body already in canonical JSON (`envelope.hashed_text`)."""
    return hashlib.sha256((previous_hash + body_json).encode("utf-8")).hexdigest()
