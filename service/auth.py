"""Bearer API keys: who is calling, for which organization.

Keys are looked up by their sha256 and compared in constant time; revoked keys no
longer match. Handlers marked `public` need no key; persons-API handlers marked
`needs_org_slug` also need the `organizationSlug` header naming the key's organization.
"""

import hmac
from dataclasses import dataclass

from aiohttp import web

from service.appkeys import store_key
from service.readcache import read_cache_key
from service.errors import BadRequest, Forbidden, Unauthorized
from service.ids import hash_key

KEY_LOOKUP = (
    "SELECT k.id, k.org_id, k.key_hash, o.slug FROM api_keys k"
    " JOIN organizations o ON o.id = k.org_id"
    " WHERE k.key_hash = ? AND k.revoked_at IS NULL"
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="custom-fields"'}


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    org_id: str
    org_slug: str


principal_key = web.RequestKey("principal", Principal)


def public(handler):
    """Mark a handler as reachable without an API key."""
    handler.public = True
    return handler


def needs_org_slug(handler):
    """Mark a persons-API handler: the organizationSlug header is required."""
    handler.needs_org_slug = True
    return handler


def principal(request: web.Request) -> Principal:
    return request[principal_key]


async def authenticate(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("an API key is required: Authorization: Bearer <key>",
                           headers=CHALLENGE)
    if not key.strip().isascii():
        raise Unauthorized("the API key is not valid or has been revoked", headers=CHALLENGE)
    key_hash = hash_key(key.strip())
    reader = request.app[store_key].reader

    async def lookup() -> tuple[str, Principal] | None:
        rows = await reader.execute_fetchall(KEY_LOOKUP, (key_hash,))
        if not rows:
            return None
        key_id, org_id, stored_hash, org_slug = rows[0]
        return stored_hash, Principal(key_id, org_id, org_slug)

    found = await request.app[read_cache_key].get(("api-key", key_hash), lookup)
    if found is None or not hmac.compare_digest(found[0], key_hash):
        raise Unauthorized("the API key is not valid or has been revoked", headers=CHALLENGE)
    return found[1]


@web.middleware
async def auth_middleware(request: web.Request, handler):
    target = request.match_info.handler
    if getattr(target, "public", False) or request.match_info.http_exception is not None:
        return await handler(request)
    who = await authenticate(request)
    if getattr(target, "needs_org_slug", False):
        slug = request.headers.get("organizationSlug")
        if not slug:
            raise BadRequest("the organizationSlug header is required",
                             code="MISSING_ORGANIZATION_SLUG")
        if slug != who.org_slug:
            raise Forbidden("the API key does not belong to the organization "
                            f"{slug!r}", code="FORBIDDEN")
    request[principal_key] = who
    return await handler(request)
