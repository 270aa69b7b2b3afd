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
# 1.23e-5: a text that may hold one goes to the standard encoder (a string that looks
# like one too, which costs time, never a difference). Two plain searches, as a regex
# with alternatives would test every position of the text.
_NEGATIVE_EXPONENT = re.compile(r"e-[0-9]")


def _may_differ(text: str) -> bool:
    return "0.000" in text or _NEGATIVE_EXPONENT.search(text) is not None


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
_LONG_RUN = {str: re.compile(r"[0-9]{19}", re.ASCII), bytes: re.compile(rb"[0-9]{19}")}
_SKIPPED = {str: frozenset(" \t\r\n-"), bytes: frozenset(b" \t\r\n-")}
_BEFORE_NUMBER = {str: frozenset(":[,"), bytes: frozenset(b":[,")}


def _holds_long_integer(text: str | bytes) -> bool:
    kind = type(text)
    skipped, before = _SKIPPED[kind], _BEFORE_NUMBER[kind]
    for run in _LONG_RUN[kind].finditer(text):  # type: ignore[call-overload]
        at = run.start() - 1
        while at >= 0 and text[at] in skipped:
            at -= 1
        if at < 0 or text[at] in before:
            return True
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
