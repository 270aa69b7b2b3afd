"""Dashboard sessions: an encrypted, signed cookie (aiohttp-session's Fernet storage).

The cookie holds the API key's id, never the key; the organization's id and slug; the
CSRF token of the session; and when it was issued. It is `HttpOnly`, `SameSite=Strict`
and lives `session_ttl_minutes` (checked on the server too, not only by the browser's
max-age). Every request checks the key is still live, so revoking a key ends its
sessions at once. The secret is `session_secret` (base64 of 32 bytes), else a new one
per process (sessions then end with the process).
"""

import base64
import os
import secrets
import time
from typing import Any

from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from service.settings import Settings

COOKIE = "cf_dashboard"


def storage(settings: Settings) -> EncryptedCookieStorage:
    secret = (base64.urlsafe_b64decode(settings.session_secret) if settings.session_secret
              else os.urandom(32))
    return EncryptedCookieStorage(secret, cookie_name=COOKIE, httponly=True,
                                  samesite="Strict", secure=settings.session_cookie_secure,
                                  max_age=settings.session_ttl_minutes * 60, path="/dashboard")


async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token (an anonymous session gets one too, for the sign-in form)."""
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


async def sign_in(request: web.Request, principal: dict[str, Any]) -> None:
    """A new session (a fresh id and CSRF token: nothing of the anonymous one is kept)."""
    session = await new_session(request)
    session.update({"key_id": principal["key_id"], "org_id": principal["org_id"],
                    "org_slug": principal["org_slug"], "issued": int(time.time()),
                    "csrf": secrets.token_urlsafe(32)})


def signed_in(session: Session, ttl_minutes: int) -> bool:
    issued = session.get("issued")
    return (session.get("key_id") is not None and isinstance(issued, int)
            and time.time() - issued < ttl_minutes * 60)
