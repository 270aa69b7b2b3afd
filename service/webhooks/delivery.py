"""One delivery: an event of the log POSTed to a subscription's URL, signed.

The body is `{"type": "<dotted name>", "timestamp": <recorded_at>, "data": <the event as
the audit API shows it>}` (the payload shape the Standard Webhooks specification
recommends, around the audit entry), compact JSON. `webhook-id` is `msg_<event id>`:
the same on every attempt and every subscription, so a receiver can drop duplicates;
`webhook-timestamp` is the time of the attempt. Redirects are not followed (a 3xx is a
failed attempt), a delivery is cut after the timeout, and only a 2xx is a success.
"""

import time
from dataclasses import dataclass

import aiohttp

from events import StoredEvent
from service.history import entry
from service.jsontext import dumps_bytes
from service.webhooks import signing
from service.webhooks.names import name_of
from service.webhooks.ssrf import AddressRefused, host_of, literal, refusal

USER_AGENT = "custom-fields-webhooks/1"
BODY_READ_MAX = 65_536  # of a receiver's answer; the rest is not read
ERROR_MAX = 300


@dataclass(frozen=True)
class Sent:
    status_code: int | None  # None: no answer (refused, unreachable, timed out)
    duration_us: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def payload(stored: StoredEvent) -> bytes:
    return dumps_bytes({"type": name_of(stored.type), "timestamp": stored.recorded_at,
                        "data": entry(stored)})


def message_id(stored: StoredEvent) -> str:
    return f"msg_{stored.event_id}"


async def send(session: aiohttp.ClientSession, url: str, secret: str, stored: StoredEvent,
               *, allow_private: bool, timeout: float) -> Sent:
    body = payload(stored)
    host, _ = host_of(url)
    address = literal(host)  # the connector resolves names through CheckingResolver only
    if address is not None and not allow_private and (reason := refusal(address)):
        return Sent(None, 0, f"refused: {reason}")
    headers = {"content-type": "application/json", "user-agent": USER_AGENT,
               **signing.headers(secret, message_id(stored), int(time.time()), body)}
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            await response.content.read(BODY_READ_MAX)
            return Sent(response.status, _since(started))
    except TimeoutError:
        return Sent(None, _since(started), f"no answer within {timeout:g} s")
    except aiohttp.ClientConnectorDNSError as exc:
        cause = exc.os_error
        reason = (f"refused: {cause}" if isinstance(cause, AddressRefused)
                  else f"{host} does not resolve")
        return Sent(None, _since(started), reason)
    except (aiohttp.ClientError, ValueError, OSError) as exc:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Sent(None, _since(started), text[:ERROR_MAX])


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1_000_000)
