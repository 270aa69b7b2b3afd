"""Bearer API keys: who is calling, for which organization.

Keys are looked up by their sha256 and compared in constant time; revoked keys no
longer match. `bearer_auth` guards the v1 sub-application (routes declared public
pass); `persons_auth` guards the persons sub-application, which also needs the
`organizationSlug` header naming the key's organization.
"""

import hmac

from aiohttp import web

from service.appkeys import backend_key, key_cache_key, principal_key
from service.errors import BadRequest, Forbidden, Unauthorized
from service.ids import hash_key
from service.principal import Principal

# RFC 6750: no key is a bare challenge; a key that is not valid (unknown, revoked, not
# ASCII) says so with error="invalid_token"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="custom-fields"'}
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer realm="custom-fields", error="invalid_token", '
                                     'error_description="the API key is not valid or has '
                                     'been revoked"'}


def principal(request: web.Request) -> Principal:
    return request[principal_key]


async def authenticate(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("an API key is required: Authorization: Bearer <key>",
                           headers=CHALLENGE)
    if not key.strip().isascii():
        raise Unauthorized("the API key is not valid or has been revoked",
                           headers=INVALID_TOKEN)
    key_hash = hash_key(key.strip())
    state = request.app
    queries = state[backend_key].queries

    async def lookup() -> tuple[str, Principal] | None:
        row = await queries.principal_by_key_hash(key_hash)
        if row is None:
            return None
        return row["key_hash"], Principal(row["key_id"], row["org_id"], row["org_slug"])

    found = await state[key_cache_key].get(key_hash, lookup)
    if found is None or not hmac.compare_digest(found[0], key_hash):
        raise Unauthorized("the API key is not valid or has been revoked",
                           headers=INVALID_TOKEN)
    return found[1]


def _skips_auth(request: web.Request) -> bool:
    return (getattr(request.match_info.handler, "public", False)
            or request.match_info.http_exception is not None)


@web.middleware
async def bearer_auth(request: web.Request, handler):
    if not _skips_auth(request):
        request[principal_key] = await authenticate(request)
    return await handler(request)


@web.middleware
async def persons_auth(request: web.Request, handler):
    if not _skips_auth(request):
        who = await authenticate(request)
        slug = request.headers.get("organizationSlug")
        if not slug:
            raise BadRequest("the organizationSlug header is required",
                             code="MISSING_ORGANIZATION_SLUG")
        if slug != who.org_slug:
            raise Forbidden(f"the API key does not belong to the organization {slug!r}")
        request[principal_key] = who
    return await handler(request)
