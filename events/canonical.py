"""Canonical JSON and hashing: the one byte form used for the hash chain and checksums."""

import hashlib
import json
import re
from typing import Any

import orjson

GENESIS_HASH = "0" * 64


def standard_canonical_json(value: Any) -> str:
    """The definition of the canonical form: the standard encoder with sorted keys, no
    insignificant white space, text as UTF-8 (not `\\u` escapes), never NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


# orjson writes what the standard encoder writes (the same escapes, keys sorted in code
# point order, floats by the shortest repr) except for floats below 1e-4, which the
# standard encoder puts in exponent form (1.23e-05) and orjson writes as 0.0000123 or
# 1.23e-5: a text that may hold one goes to the standard encoder. A number stands at the
# start or after `:`, `,` or `[` (orjson writes no white space), so an id such as
# "...c3e-4..." is not one; a string that looks like one costs time, never a difference.
# The regex runs only when a plain search finds `e-` or `0.000` at all.
_SMALL_FLOAT = re.compile(r"(?:^|[:,\[])-?(?:[0-9]+(?:\.[0-9]+)?e-|0\.000)")


def _may_differ(text: str) -> bool:
    return ("e-" in text or "0.000" in text) and _SMALL_FLOAT.search(text) is not None


def canonical_json(value: Any) -> str:
    """`standard_canonical_json`, several times faster through orjson where the two
    agree. orjson refuses integers beyond 64 bits, keys that are not strings and lone
    surrogates: those take the standard encoder. NaN and infinities are not JSON and
    never reach this function (request bodies are parsed refusing them, and stored
    texts cannot hold them); orjson would write them as null."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return standard_canonical_json(value)
    return standard_canonical_json(value) if _may_differ(text) else text


# orjson reads an integer beyond 64 bits as a float, silently: text with such a number
# goes to the standard parser, which keeps every digit. A run of 19 or more digits is a
# number's when only white space or a minus sign stands between it and the `:`, `[`
# or `,` before it, or the start of the text; otherwise it is inside a string (an id
# of 32 digits, say) and orjson reads it as it is. (ASCII digits only, as JSON numbers
# are; a string holding `:` before such a run takes the standard parser, which costs
# time, never a digit.)
_DIGIT_MASK = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # digits: 0; else space
_LONG_RUN = b"0" * 19
_SKIPPED = frozenset(b" \t\r\n-")
_BEFORE_NUMBER = frozenset(b":[,")


def _holds_long_integer(text: str | bytes) -> bool:
    """Whether a number of 19 digits or more stands in the JSON text. Digit runs are
    found by `bytes.find` over the text with every digit masked to 0 and everything else
    to a space (a regex would try a match at every position: ~20 ns a byte)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    masked = raw.translate(_DIGIT_MASK)
    at = masked.find(_LONG_RUN)
    while at >= 0:
        before = at - 1
        while before >= 0 and raw[before] in _SKIPPED:
            before -= 1
        if before < 0 or raw[before] in _BEFORE_NUMBER:
            return True
        end = masked.find(b" ", at)
        if end < 0:
            return False
        at = masked.find(_LONG_RUN, end)
    return False


def fast_loads(text: str | bytes) -> tuple[bool, Any]:
    """(True, value) parsed by orjson, or (False, None) when the text holds a number
    orjson would round or something orjson refuses (the caller then uses `json`)."""
    if not _holds_long_integer(text):
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
