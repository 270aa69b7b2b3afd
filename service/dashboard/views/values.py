"""Resolved values: the content of GET /api/v1/custom-fields/values (service.values
.resolve_records over the same synced rows, a page at a time by remote id), one row per
record and one column per field. A field's error (code and detail) is shown in its
cell; a field without an effective mapping reads "unmapped", never as an empty value."""

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from service import values
from service.appkeys import context_key
from service.dashboard.pages import queries, render
from service.dashboard.views.configuration import (
    canonical_redirect,
    configuration_rows,
    refusal,
    scope,
)
from service.errors import DomainError
from service.handlers.common import decode_cursor, page_limit, paginate
from service.jsontext import dumps
from service.schemas.v1 import ValuesQuerySchema

routes = web.RouteTableDef()
values_schema = ValuesQuerySchema()


@dataclass(slots=True, frozen=True)
class Part:
    text: str
    color: str | None  # the option's colour, for its swatch
    last: bool


@dataclass(slots=True, frozen=True)
class Cell:
    """How one field's value reads: `unmapped`, `error` (code, detail), `null`, `value`
    (its text), or `parts` (the options of a multiselect, each with its colour)."""

    kind: str
    text: str | None = None
    parts: tuple[Part, ...] = ()
    code: str | None = None
    detail: str | None = None


@dataclass(slots=True, frozen=True)
class Record:
    remote_id: str
    synced_at: str
    cells: list[Cell]


UNMAPPED, NULL = Cell("unmapped"), Cell("null")


def cell(entry: dict[str, Any], colours: dict[str, str | None]) -> Cell:
    if entry["source"] is None:
        return UNMAPPED
    if entry["error"] is not None:
        return Cell("error", code=entry["error"]["code"], detail=entry["error"]["detail"])
    value = entry["value"]
    if value is None:
        return NULL
    if not isinstance(value, list):
        return Cell("value", value if isinstance(value, str) else dumps(value))
    return Cell("parts", parts=tuple(
        Part(item if isinstance(item, str) else dumps(item),
             colours.get(item) if isinstance(item, str) else None, n == len(value) - 1)
        for n, item in enumerate(value)))


@routes.get("/values")
async def values_page(request: web.Request) -> web.Response:
    canonical_redirect(request, keep=("limit",))
    chosen = await scope(request)
    limit_given = request.query.get("limit") or None
    columns: list[dict[str, Any]] = []
    records: list[Record] = []
    next_cursor = None
    if chosen.ready:
        assert chosen.connector is not None
        try:
            given = {"connector_token": chosen.connector["token"], "category": chosen.category,
                     "model": chosen.model}
            given.update({k: request.query[k] for k in ("limit", "cursor")
                          if request.query.get(k)})
            params = values_schema.load(given)
            limit = page_limit(request, params["limit"])
            rows = await configuration_rows(request, chosen)
            found = await queries(request).synced_records(
                chosen.connector["id"], params["category"], params["model"],
                decode_cursor(params["cursor"]), limit + 1)
            found, next_cursor = paginate(found, limit, lambda rec: rec["remote_id"])
            resolved = values.resolve_records(request.app[context_key].expressions,
                                              params["model"], rows, found)
        except (DomainError, ValidationError) as exc:
            chosen.error = refusal(exc)
        else:
            colours = {row["id"]: {o["value"]: o["color"] for o in row["options"]}
                       for row in rows}
            for row in rows:
                json_path, source, _ = values.effective(row)
                columns.append({"id": row["id"], "name": row["name"], "type": row["type"],
                                "source": source, "json_path": json_path})
            records = [Record(record["remote_id"], record["synced_at"],
                              [cell(entry, colours[entry["custom_field_id"]])
                               for entry in record["fields"]])
                       for record in resolved]
    return await render(request, "values.html", {
        "scope": chosen, "action": "/dashboard/values", "limit": limit_given,
        "columns": columns, "records": records, "paged": bool(request.query.get("cursor")),
        "next_query": chosen.query(limit=limit_given, cursor=next_cursor) if next_cursor
        else None, "first_query": chosen.query(limit=limit_given)},
        status=chosen.error["status"] if chosen.error else 200)
