"""Whole answers served again while nothing has changed: the hot path of repeated reads.

A GET route declared `reuse=True` answers with bytes that depend only on the caller's
key, the path with its query, and the stored state. Its 200 answer is kept under
(sha256 of the Authorization header, raw path) with the store's change marker read
before the handler ran; the same request finds it at the front of the root
middleware while the marker is unchanged, and is answered without the API's
middlewares, authentication, query parsing or handler (the request id, the access line
and the metrics are kept). Any commit moves the marker, a key's revocation included,
so a kept answer is never served across a change. Conditional requests (If-None-Match)
and large bodies go the full way; with rate limiting on, nothing is kept, so every
request is counted by the limiter. An answer marked `Cache-Control: no-store` (values
being recomputed) is not kept.
"""

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service.lru import LRU
from service.principal import Principal

MAX_BODY_BYTES = 65_536   # a kept answer's largest body: 512 of them stay under 32 MiB
ENTRIES = 512
_NOT_KEPT = frozenset({"Content-Length", "X-Request-Id"})


def reusable(handler: Any) -> bool:
    return getattr(handler, "reusable", False)


@dataclass(frozen=True, slots=True)
class Answer:
    marker: Any
    body: bytes
    headers: tuple[tuple[str, str], ...]
    principal: Principal

    def response(self) -> web.Response:
        return web.Response(body=self.body, headers=self.headers)


class AnswerCache:
    def __init__(self, marker: Callable[[], Any], *, enabled: bool = True,
                 size: int = ENTRIES) -> None:
        self.marker, self.enabled = marker, enabled
        self._answers: LRU[Answer] = LRU(size)

    def key(self, request: web.Request) -> Hashable | None:
        """The request's key, or None when it may not be answered from memory."""
        if (not self.enabled or request.method != "GET"
                or not reusable(request.match_info.handler)):
            return None
        headers = request.headers
        authorization = headers.get("Authorization")
        if not authorization or "If-None-Match" in headers or "If-Modified-Since" in headers:
            return None
        return (hashlib.sha256(authorization.encode("utf-8", "surrogatepass")).digest(),
                request.raw_path)

    def find(self, key: Hashable, marker: Any) -> Answer | None:
        answer = self._answers.get(key)
        return answer if answer is not None and answer.marker == marker else None

    def keep(self, key: Hashable, marker: Any, response: web.StreamResponse,
             principal: Principal | None) -> None:
        if (principal is None or response.status != 200 or not isinstance(response, web.Response)
                or not isinstance(response.body, bytes) or len(response.body) > MAX_BODY_BYTES
                or "no-store" in response.headers.get("Cache-Control", "")):
            return
        headers = tuple((k, v) for k, v in response.headers.items() if k not in _NOT_KEPT)
        self._answers.put(key, Answer(marker, response.body, headers, principal))
