"""What the field pages share (the list, a field's page, its options, its mapping editor,
its history): the signed-in organization's field and connectors, the pages' URLs, log
timestamps as people read them, and a message kept for the page a redirect leads to."""

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session

from service.dashboard.pages import principal, queries
from service.errors import FieldNotFound

Row = dict[str, Any]
PAGE = 500  # fields and connectors are read in pages of this many, until the last
FLASH = "fields_flash"  # the session's key of a message for the next page


def when(moment: str | None) -> str:
    """A log timestamp (`2026-12-01T09:30:00.000000Z`) as people read it."""
    if not moment:
        return ""
    return f"{moment[:10]} {moment[11:19]} UTC"


async def flash(request: web.Request, message: str | None = None) -> str | None:
    """Keep a message for the next page (a redirect's target), or take the kept one."""
    session = await get_session(request)
    if message is not None:
        session[FLASH] = message
        return message
    return session.pop(FLASH, None)


def list_url(category: str, model: str, **extra: str) -> str:
    return "/dashboard/fields?" + urlencode({"category": category, "model": model, **extra})


def field_url(field_id: str) -> str:
    return f"/dashboard/fields/{field_id}"


async def all_connectors(request: web.Request, org_id: str) -> list[Row]:
    """Every connector of the organization, page by page."""
    read, connectors, after = queries(request), [], None
    while True:
        page = await read.list_connectors(org_id, after, PAGE)
        connectors += page
        if len(page) < PAGE:
            return connectors
        after = page[-1]["id"]


async def load_field(request: web.Request, field_id: str) -> Row:
    """The signed-in organization's field; another's (or an unknown id) is a 404."""
    found = await queries(request).field(principal(request).org_id, field_id)
    if found is None:
        raise FieldNotFound(field_id)
    return found


async def named_field(request: web.Request) -> Row:
    """The field the URL names (`{field_id}`), as load_field reads it."""
    return await load_field(request, request.match_info["field_id"])


def if_match(form: Any) -> str | None:
    """The field's v1 ETag a form carries (its hidden `if_match` input), if any."""
    return str(form.get("if_match") or "") or None
