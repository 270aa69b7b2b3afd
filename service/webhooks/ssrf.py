"""Server-side request forgery: which addresses a webhook may be sent to.

A target URL is http or https with a host and no credentials. When subscribing, its
host is resolved and every address it resolves to must be public: loopback, private,
link-local, multicast, unspecified, reserved and other non-global addresses are refused
(IPv4 inside IPv6, 6to4 and Teredo included). At delivery the name is resolved again
(it may point elsewhere by then) by `CheckingResolver`, which hands aiohttp's connector
only addresses it has checked, so the connection goes to a checked address; an IP
literal (which the connector does not resolve) is checked before sending. The setting
`webhook_allow_private` lifts the address rules (tests, private deployments).
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from service.webhooks.errors import WebhookUrlRefused

SCHEMES = ("http", "https")
URL_MAX = 2048
RESOLVE_TIMEOUT = 5.0  # seconds for a name to resolve when subscribing
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
KINDS = ("loopback", "link_local", "multicast", "unspecified", "private", "reserved")


class AddressRefused(OSError):
    """A name resolved to an address a webhook may not go to (an OSError, which aiohttp's
    connector passes on inside its ClientConnectorDNSError)."""


def url_problem(url: str) -> str | None:
    """What is wrong with the URL's form, or None."""
    if len(url) > URL_MAX:
        return f"at most {URL_MAX} characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a URL: {exc}"
    if parts.scheme.lower() not in SCHEMES:
        return "the scheme must be http or https"
    if not parts.hostname:
        return "a URL with a host is required"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL are not allowed"
    if port == 0:
        return "port 0 is not a port"
    return None


def host_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    return parts.hostname, parts.port or (443 if parts.scheme.lower() == "https" else 80)


def literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def refusal(address: str | IPAddress) -> str | None:
    """Why the address may not be a webhook's target, or None when it is public."""
    ip = address if not isinstance(address, str) else literal(address)
    if ip is None:
        return "not an IP address"
    inner: list[IPAddress] = []
    if isinstance(ip, ipaddress.IPv6Address):  # IPv4 addresses inside it first
        inner += [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
        inner += list(ip.teredo or ())
    inner.append(ip)
    for candidate in inner:
        for kind in KINDS:
            if getattr(candidate, f"is_{kind}"):
                return f"{kind.replace('_', '-')} address {candidate}"
        if not candidate.is_global:
            return f"non-public address {candidate}"
    return None


async def resolve(host: str, port: int, timeout: float = RESOLVE_TIMEOUT) -> list[str]:
    """Every address `host` resolves to (none: it does not resolve)."""
    if literal(host) is not None:
        return [host]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    except (OSError, TimeoutError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refused_among(host: str, addresses: list[str]) -> str | None:
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            return f"{host} resolves to a {reason}" if literal(host) is None else reason
    return None


class CheckingResolver(AbstractResolver):
    """aiohttp's threaded resolver, refusing a name any of whose addresses is refused."""

    def __init__(self, allow_private: bool = False) -> None:
        self._resolver = ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        if not self._allow_private:
            reason = refused_among(host, [r["host"] for r in found])
            if reason is not None:
                raise AddressRefused(reason)
        return found

    async def close(self) -> None:
        await self._resolver.close()


async def check_target(url: str, allow_private: bool) -> None:
    """Refuse (422 on `url`) a target whose host does not resolve, or resolves to an
    address a webhook may not go to (unless `allow_private`)."""
    host, port = host_of(url)
    addresses = await resolve(host, port)
    if not addresses:
        raise WebhookUrlRefused(f"{host} does not resolve", code="URL_UNRESOLVABLE")
    if not allow_private and (reason := refused_among(host, addresses)) is not None:
        raise WebhookUrlRefused(reason)
