"""Reverting a field from its history page (RevertField, as the API's revert).

"Revert to this version" on a history entry posts the version and the field's ETag as
the history page read it (with the CSRF token) to `POST /fields/{id}/revert`, which
answers the confirmation: the field now beside the field at that version (from the log,
as the command will restore it). Its **Revert** posts the same with `confirmed`, and
runs the command with the ETag as If-Match; done, the history page says so and shows
the revert's events. A refusal (the old name taken, a connector deleted since, a change
made meanwhile) is shown on the confirmation, as the delete confirmation shows its own,
with the page's status; the confirmation then carries the field's current ETag.
"""

from typing import Any

from aiohttp import web

from service.appkeys import backend_key
from service.commands.fields import field_tag
from service.commands.revert import FieldState, RevertField, state_at
from service.dashboard.pages import catalogue, principal, queries, render, run
from service.dashboard.views.field_context import scope_name
from service.dashboard.views.refusals import NO_REFUSAL, refusal
from service.dashboard.views.shared import Row, all_connectors, flash, if_match, named_field
from service.errors import DomainError, FieldNotFound, UnknownVersion
from service.schemas.v1 import RevertSchema

routes = web.RouteTableDef()
revert_schema = RevertSchema()


def version_input(form: Any) -> int:
    """The form's `to_version`, through the API's schema (a refusal is its 422)."""
    text = str(form.get("to_version", "")).strip()
    digits = text[1:] if text.startswith("-") else text
    loaded = revert_schema.load({"to_version": int(text) if digits.isdigit() else text})
    return int(loaded["to_version"])


def number_format(value: Row | None) -> str:
    if not value:
        return "none"
    return f"{value['format']}, {value['decimal']} decimal{'' if value['decimal'] == 1 else 's'}"


def facts(definition: Row, options: list[Row], mappings: list[tuple[str, str]]) -> list[Row]:
    """What the confirmation compares, in the order the field's page shows it."""
    return [{"attribute": "Name", "text": definition["name"]},
            {"attribute": "Description", "text": definition["description"] or "none"},
            {"attribute": "Type", "text": definition["type"]},
            {"attribute": "Number format", "text": number_format(definition["number_format"])},
            {"attribute": "Options", "options": [(o["value"], o["color"]) for o in options]},
            {"attribute": "Mappings", "mappings": sorted(mappings)}]


async def comparison(request: web.Request, field: Row, target: FieldState) -> list[Row]:
    """Per attribute: the field now, at the version, and whether they differ."""
    connectors = {c["id"]: c for c in await all_connectors(request, principal(request).org_id)}

    def shown(mapping: Row) -> tuple[str, str]:
        return scope_name(mapping, connectors, request), mapping["json_path"]

    now = facts(field, field["options"],
                [shown(m) for m in await queries(request).field_mappings(field["id"])])
    then = facts(target.definition, target.options, [shown(m) for m in target.mappings])
    return [{"attribute": a["attribute"], "now": a, "then": b, "changes": a != b}
            for a, b in zip(now, then, strict=True)]


async def confirm_page(request: web.Request, field: Row, version: int, tag: str | None,
                       refused: Row | None = None, status: int = 200) -> web.Response:
    """The confirmation; `tag` None: the field's current ETag."""
    if tag is None:
        mappings = await queries(request).field_mappings(field["id"])
        tag = field_tag(field["version"], [(m["id"], m["version"]) for m in mappings])
    events = await request.app[backend_key].store.read_events(
        org_id=principal(request).org_id, field_id=field["id"])
    target = state_at(events, field["id"], version)
    if target is None and refused is None:  # a version the field never had
        refused, status = refusal(UnknownVersion(version, field["version"])), 422
    known = catalogue(request).models(field["category"])
    return await render(request, "field_revert.html", {
        "field": field, "version": version, "tag": tag, "refused": refused or NO_REFUSAL,
        "rows": await comparison(request, field, target) if target else [],
        "model_name": next((m.display_name for m in known if m.slug == field["model"]),
                           field["model"])}, status=status)


@routes.post("/fields/{field_id}/revert")
async def revert_field(request: web.Request) -> web.StreamResponse:
    field = await named_field(request)
    form = await request.post()
    version, tag = version_input(form), if_match(form)
    if form.get("confirmed") != "yes":
        return await confirm_page(request, field, version, tag)
    try:
        await run(request, RevertField(principal(request).org_id, field["id"], version, tag))
    except DomainError as exc:
        if isinstance(exc, FieldNotFound):
            raise
        return await confirm_page(request, await named_field(request), version, None,
                                  refusal(exc), exc.status)
    await flash(request, f"Reverted the field to version {version}.")
    raise web.HTTPSeeOther(f"/dashboard/fields/{field['id']}/history")
