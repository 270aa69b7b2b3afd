"""Performing a write for a request: the unit, its answer, and Idempotency-Key.

Handlers call `perform(request, unit, respond)`: `unit` is a checked command (run by
the store's writer) that returns plain data, and `respond` turns that data into
(status, body, headers) on the event loop. With an `Idempotency-Key` header, the key, a
digest of the request and the unit's result are stored in the same transaction as the
command's events; a retry with the same key and request is answered by `respond` from
that stored result and writes nothing, and the same key with another request is
refused, even when both arrive at once (the writer serialises them). Only successful
writes are remembered: a refused request wrote nothing and is simply evaluated again.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import web

from events.canonical import loads
from events.clock import utc_ago, utc_now
from service.appkeys import backend_key, settings_key
from service.auth import principal
from service.commands.base import Tx
from service.errors import BadRequest, IdempotencyKeyReused
from service.jsontext import dumps

R = TypeVar("R")
Answer = tuple[int, Any, dict[str, str]]  # status, body (None: no body), headers
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class _Replay(Exception):
    """Raised inside the write transaction to roll it back and answer from the record."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record


def render(answer: Answer) -> web.Response:
    status, body, headers = answer
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, text=dumps(body), content_type="application/json",
                        headers=headers)


def _replayed(record: dict[str, Any], digest: str, respond: Callable[[Any], Answer]
              ) -> web.Response:
    if record["body_digest"] != digest:
        raise IdempotencyKeyReused()
    response = render(respond(loads(record["result"])))
    response.headers[REPLAYED_HEADER] = "true"
    return response


async def _digest(request: web.Request) -> str:
    body = await request.read()
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path_qs.encode(),
                                      body])).hexdigest()


async def perform(request: web.Request, unit: Callable[[Tx], R],
                  respond: Callable[[R], Answer]) -> web.Response:
    state = request.app
    backend = state[backend_key]
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return render(respond(await backend.store.write(unit)))
    if not _KEY.match(key):
        raise BadRequest("Idempotency-Key is 1-255 visible ASCII characters",
                         code="INVALID_IDEMPOTENCY_KEY")
    org_id, digest = principal(request).org_id, await _digest(request)
    since = utc_ago(timedelta(hours=state[settings_key].idempotency_ttl_hours))
    record = await backend.queries.idempotency_record(org_id, key, since)
    if record is not None:
        return _replayed(record, digest, respond)

    def remembered(tx: Tx) -> R:
        found = tx.state.idempotency_record(org_id, key, since)
        if found is not None:
            raise _Replay(found)
        result = unit(tx)
        tx.state.remember_idempotency({
            "org_id": org_id, "key": key, "method": request.method, "path": request.path,
            "body_digest": digest, "result": dumps(result), "created_at": utc_now()})
        return result

    try:
        result = await backend.store.write(remembered)
    except _Replay as replay:
        return _replayed(replay.record, digest, respond)
    return render(respond(result))


def forget_idempotency_records(hours: int) -> Callable[[Tx], int]:
    """A unit forgetting the records older than `hours`."""
    cutoff = utc_ago(timedelta(hours=hours))
    return lambda tx: tx.state.forget_idempotency_before(cutoff)


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


def created(request: web.Request, key: str) -> dict[str, str]:
    """The `Location` of what a POST to a collection made: the collection's path and the
    new resource's key (its id; a connector's token)."""
    return {"Location": f"{request.path}/{key}"}
