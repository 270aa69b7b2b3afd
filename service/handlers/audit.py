"""Audit: the organization's event log and a field's history."""

from datetime import UTC

from aiohttp import web

from service.appkeys import store_key
from service.auth import principal
from service.errors import NotFound, ValidationFailed
from service.handlers.common import (decode_cursor, json_response, page_limit, paginate,
                                     query)
from service.history import entry, field_history
from service.schemas.audit import EventsQuerySchema, HistoryQuerySchema

routes = web.RouteTableDef()
events_schema, history_schema = EventsQuerySchema(), HistoryQuerySchema()


def _iso(moment) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _seq_cursor(cursor: str | None) -> int | None:
    text = decode_cursor(cursor)
    if text is None:
        return None
    if not text.isdigit():
        raise ValidationFailed("cursor is not one this service issued", code="INVALID_CURSOR",
                               errors={"cursor": ["invalid cursor"]})
    return int(text)


@routes.get("/api/v1/events")
async def list_events(request: web.Request) -> web.Response:
    params = query(request, events_schema)
    limit = page_limit(request, params["limit"])
    position = _seq_cursor(params["cursor"])
    descending = params["order"] == "desc"
    types = [t.strip() for t in (params["type"] or "").split(",") if t.strip()] or None
    stored = await request.app[store_key].read_events(
        org_id=principal(request).org_id, stream_id=params["stream_id"],
        field_id=params["field_id"], types=types, since_time=_iso(params["since"]),
        until_time=_iso(params["until"]), limit=limit + 1, descending=descending,
        after=position if position is not None and not descending else 0,
        before=position if descending else None)
    stored, cursor = paginate(stored, limit, lambda e: str(e.seq))
    return json_response({"events": [entry(e) for e in stored], "next_cursor": cursor})


@routes.get("/api/v1/custom-fields/{field_id}/history")
async def history(request: web.Request) -> web.Response:
    params = query(request, history_schema)
    limit = page_limit(request, params["limit"])
    field_id = request.match_info["field_id"]
    stored = await request.app[store_key].read_events(org_id=principal(request).org_id,
                                                      field_id=field_id)
    if not stored:
        raise NotFound(f"no custom field with id {field_id!r}")
    items = field_history(stored)
    position = _seq_cursor(params["cursor"])
    if position is not None:
        items = [i for i in items if i["seq"] > position]
    items, cursor = paginate(items[:limit + 1], limit, lambda i: str(i["seq"]))
    return json_response({"custom_field_id": field_id, "history": items, "next_cursor": cursor})
