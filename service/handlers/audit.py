"""Audit: the organization's event log and a field's history."""

from aiohttp import web

from events.clock import iso_utc
from service.auth import principal
from service.errors import FieldNotFound, InvalidCursor
from service.handlers.common import (
    backend,
    decode_cursor,
    json_response,
    page_limit,
    paginate,
    query,
)
from service.history import entry, field_history
from service.routing import LISTING, RESOURCE, Routes
from service.schemas import responses as r
from service.schemas.audit import EventsQuerySchema, HistoryQuerySchema

routes = Routes("audit")
events_schema, history_schema = EventsQuerySchema(), HistoryQuerySchema()


def _seq_cursor(cursor: str | None) -> int | None:
    text = decode_cursor(cursor)
    if text is None:
        return None
    if not text.isdigit():
        raise InvalidCursor()
    return int(text)


@routes.get("/events", summary="The organization's event log", ok={200: r.EventListSchema},
            query=EventsQuerySchema, scope=LISTING, operation_id="list_events")
async def list_events(request: web.Request) -> web.Response:
    params = query(request, events_schema)
    limit = page_limit(request, params["limit"])
    position = _seq_cursor(params["cursor"])
    descending = params["order"] == "desc"
    types = [t.strip() for t in (params["type"] or "").split(",") if t.strip()] or None
    since, until = params["since"], params["until"]
    stored = await backend(request).store.read_events(
        org_id=principal(request).org_id, stream_id=params["stream_id"],
        field_id=params["field_id"], types=types,
        since_time=None if since is None else iso_utc(since),
        until_time=None if until is None else iso_utc(until), limit=limit + 1,
        descending=descending, after=position if position is not None and not descending else 0,
        before=position if descending else None)
    stored, cursor = paginate(stored, limit, lambda e: str(e.seq))
    return json_response({"events": [entry(e) for e in stored], "next_cursor": cursor})


@routes.get("/custom-fields/{field_id}/history", summary="A field's history",
            ok={200: r.HistorySchema}, query=HistoryQuerySchema, scope=RESOURCE,
            operation_id="get_field_history")
async def history(request: web.Request) -> web.Response:
    params = query(request, history_schema)
    limit = page_limit(request, params["limit"])
    field_id = request.match_info["field_id"]
    stored = await backend(request).store.read_events(org_id=principal(request).org_id,
                                                      field_id=field_id)
    if not stored:
        raise FieldNotFound(field_id)
    items = field_history(stored)
    position = _seq_cursor(params["cursor"])
    if position is not None:
        items = [i for i in items if i["seq"] > position]
    items, cursor = paginate(items[:limit + 1], limit, lambda i: str(i["seq"]))
    return json_response({"custom_field_id": field_id, "history": items, "next_cursor": cursor})
