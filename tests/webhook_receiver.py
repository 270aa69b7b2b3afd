"""A webhook receiver for the tests: an aiohttp server on 127.0.0.1 (a free port, started
by the test itself) that records every request and answers from a script, and the
Standard Webhooks signature check, computed here independently of the service."""

import asyncio
import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def seq(self) -> int:
        return self.json["data"]["seq"]


@dataclass
class Receiver:
    """`script`: answers for the next requests, in order (a status; ("sleep", seconds)
    then 200; ("redirect", path)); then `status` for every other request."""

    url: str = ""
    status: int = 200
    script: list[Any] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Received(request.path, dict(request.headers), await request.read()))
        answer = self.script.pop(0) if self.script else self.status
        if isinstance(answer, tuple) and answer[0] == "sleep":
            await asyncio.sleep(answer[1])
            answer = 200
        if isinstance(answer, tuple) and answer[0] == "redirect":
            raise web.HTTPFound(answer[1])
        return web.Response(status=answer, text="ok")

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def seqs(self, path: str = "/hooks") -> list[int]:
        return [r.seq for r in self.at(path)]


async def start_receiver(aiohttp_server) -> Receiver:
    receiver = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    server = await aiohttp_server(app, host="127.0.0.1")  # port 0: a free one
    receiver.url = str(server.make_url("/hooks"))
    return receiver


def signature_holds(secret: str, received: Received) -> bool:
    """The Standard Webhooks check: HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the
    base64-decoded secret after `whsec_`, base64, after `v1,`."""
    headers = {k.lower(): v for k, v in received.headers.items()}
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + received.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.removeprefix("v1,") for s in headers["webhook-signature"].split()
             if s.startswith("v1,")]
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
    return fresh and any(hmac.compare_digest(expected, g) for g in given)


async def until(condition, timeout: float = 15.0, what: str = "the condition") -> None:
    """Wait for `condition()` (sync or async) to hold, up to a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        await asyncio.sleep(0.02)


async def seeded_webhooks(client, tenant, count: int = 3) -> list[str]:
    """`count` subscriptions (to a public address literal, for an event no route writes:
    nothing is ever sent), the first with `count` delivery attempts recorded as the
    worker records them."""
    from service.appkeys import backend_key
    from service.ids import new_id

    ids = []
    for n in range(count):
        response = await client.post("/api/v1/webhooks", headers=tenant.headers, json={
            "url": f"https://93.184.216.34/hooks/{n}", "events": ["integration.disabled"]})
        assert response.status == 201, await response.text()
        ids.append((await response.json())["id"])

    def record(tx):
        for seq in range(1, count + 1):
            tx.state.add_webhook_delivery({
                "id": new_id(), "webhook_id": ids[0], "seq": seq, "event_id": new_id(),
                "event": "integration.disabled", "attempt": 1, "status_code": 200,
                "duration_us": 1000, "error": None, "state": "delivered",
                "next_retry_at": None, "attempted_at": "2026-01-01T00:00:00.000000Z"})
    await client.server.app[backend_key].store.write(record)
    return ids
