"""Performing a write for a request: the command, its answer, and Idempotency-Key.

Handlers call `perform(request, unit, respond)`: `unit` is the command (run by the
store's writer) and `respond` turns its result into (status, body, headers). With an
`Idempotency-Key` header, the key, a digest of the request and the answer are stored in
the same transaction as the command's events, so a retry with the same key and body is
answered from that record and writes nothing, and the same key with another body is
refused, even when both arrive at once (the writer serialises them). Only successful
writes are remembered: a refused request wrote nothing and is simply evaluated again.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aiohttp import web

from events import WriteTransaction
from service.appkeys import settings_key, store_key
from service.auth import principal
from service.errors import BadRequest, ValidationFailed
from service.jsontext import dumps

T = TypeVar("T")
Answer = tuple[int, Any, dict[str, str]]
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

LOOKUP = ("SELECT body_digest, status, response, headers FROM idempotency_keys"
          " WHERE org_id = ? AND key = ? AND created_at >= ?")


class _Replay(Exception):
    """Raised inside the write transaction to roll it back and answer from the record."""

    def __init__(self, row: tuple) -> None:
        self.row = row


def _cutoff(request: web.Request) -> str:
    hours = request.app[settings_key].idempotency_ttl_hours
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def _digest(request: web.Request) -> str:
    body = await request.read()
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path_qs.encode(),
                                      body])).hexdigest()


def _answer_from(row: tuple, digest: str) -> web.Response:
    stored_digest, status, response, headers = row
    if stored_digest != digest:
        raise ValidationFailed("this Idempotency-Key was used with another request",
                               code="IDEMPOTENCY_KEY_REUSED")
    headers = {**json.loads(headers), REPLAYED_HEADER: "true"}
    if response == "":
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, text=response, content_type="application/json",
                        headers=headers)


def _render(answer: Answer) -> tuple[str, web.Response]:
    status, body, headers = answer
    if body is None:
        return "", web.Response(status=status, headers=headers)
    text = dumps(body)
    return text, web.Response(status=status, text=text, content_type="application/json",
                              headers=headers)


async def perform(request: web.Request, unit: Callable[[WriteTransaction], T],
                  respond: Callable[[T], Answer]) -> web.Response:
    store = request.app[store_key]
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return _render(respond(await store.write(unit)))[1]
    if not _KEY.match(key):
        raise BadRequest("Idempotency-Key is 1-255 visible ASCII characters",
                         code="INVALID_IDEMPOTENCY_KEY")
    org_id, digest, cutoff = principal(request).org_id, await _digest(request), _cutoff(request)
    rows = await store.reader.execute_fetchall(LOOKUP, (org_id, key, cutoff))
    if rows:
        return _answer_from(tuple(rows[0]), digest)

    def remembered(tx: WriteTransaction) -> tuple[str, web.Response]:
        row = tx.conn.execute(LOOKUP, (org_id, key, cutoff)).fetchone()
        if row is not None:
            raise _Replay(row)
        text, response = _render(respond(unit(tx)))
        tx.conn.execute(
            "INSERT OR REPLACE INTO idempotency_keys (org_id, key, method, path, body_digest,"
            " status, response, headers, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (org_id, key, request.method, request.path, digest, response.status, text,
             json.dumps({k: v for k, v in response.headers.items()
                         if k.lower() != "content-type"}),
             datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
        return text, response

    try:
        return (await store.write(remembered))[1]
    except _Replay as replay:
        return _answer_from(replay.row, digest)


def expire_idempotency_keys(tx: WriteTransaction, *, before: str) -> int:
    return tx.conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?",
                           (before,)).rowcount


WEAK = "W/"  # never equal to a current tag: If-Match compares strongly (RFC 9110)


def if_match(request: web.Request) -> str | None:
    """The ETag a client expects, from `If-Match: "3"`; `*` (or no header) is None.
    A weak tag (`W/"3"`) never matches, so the write is refused with 412."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(W/)?"([0-9a-f.]{1,64})"\s*', header)
    if match is None:
        raise BadRequest('If-Match takes an ETag as given by GET, such as "3"',
                         code="INVALID_IF_MATCH")
    return WEAK + match.group(2) if match.group(1) else match.group(2)


def etag(tag: int | str) -> dict[str, str]:
    return {"ETag": f'"{tag}"'}
