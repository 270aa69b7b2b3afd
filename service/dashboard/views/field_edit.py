"""One field's page, editing it, and deleting it.

- `GET /fields/{id}`: the field, its edit form (UpdateField), its options (`options.py`),
  its mappings and which one each connector uses; `POST` saves the edit form.
- `GET /fields/{id}/delete` is the confirmation (how many mappings and options go with
  it), `POST` runs DeleteField.

Every write carries the field's v1 ETag as If-Match (one hidden input, `#field-tag`,
which htmx forms include and every answer refreshes), so a change made meanwhile
elsewhere (an option, a mapping) is never overwritten unseen. An htmx refusal is
answered 200 with the form and its reasons (htmx swaps 2xx only); without htmx, the
same page with its status.
"""

from aiohttp import web
from marshmallow import ValidationError

from service.commands.fields import DeleteField, UpdateField
from service.dashboard.guard import is_htmx
from service.dashboard.pages import principal, render, run
from service.dashboard.views.field_context import field_context
from service.dashboard.views.field_inputs import EDIT_INPUTS, edit_input, edit_values
from service.dashboard.views.refusals import NO_REFUSAL, refusal, refused_status
from service.dashboard.views.shared import (
    Row,
    field_url,
    flash,
    if_match,
    list_url,
    load_field,
    named_field,
)
from service.errors import DomainError, FieldNotFound, StaleResource
from service.schemas.v1 import FieldPatchSchema

routes = web.RouteTableDef()
patch_schema = FieldPatchSchema()


async def field_page(request: web.Request, field: Row, *, status: int = 200,
                     edit: Row | None = None, edit_refused: Row | None = None) -> web.Response:
    context = await field_context(request, field)
    return await render(request, "field.html", {
        **context, "edit": edit or edit_values(field), "edit_refused": edit_refused or NO_REFUSAL,
        "options_refused": NO_REFUSAL}, status=status)


@routes.get("/fields/{field_id}")
async def show_field(request: web.Request) -> web.Response:
    return await field_page(request, await named_field(request))


@routes.post("/fields/{field_id}")
async def update_field(request: web.Request) -> web.StreamResponse:
    field = await named_field(request)
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in EDIT_INPUTS}
    try:
        changes = patch_schema.load(edit_input(values, field))
        await run(request, UpdateField(principal(request).org_id, field["id"], changes,
                                       if_match=if_match(form), tag_covers_mappings=True))
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, FieldNotFound):
            raise
        if not is_htmx(request):
            return await field_page(request, field, status=refused_status(exc),
                                    edit=values, edit_refused=refusal(exc))
        return await render(request, "field_summary.html", {
            **await field_context(request, field), "edit": values,
            "edit_refused": refusal(exc), "oob": True, "message": ""})
    if not is_htmx(request):
        raise web.HTTPSeeOther(field_url(field["id"]))
    if changes["type"] != field["type"]:  # the options and number format sections change
        return web.Response(status=204, headers={"HX-Redirect": field_url(field["id"])})
    field = await load_field(request, field["id"])
    return await render(request, "field_summary.html", {
        **await field_context(request, field), "edit": edit_values(field),
        "edit_refused": NO_REFUSAL, "oob": True, "message": f"Saved the field {field['name']}."})


async def confirm_page(request: web.Request, field: Row, refused: Row | None = None,
                       status: int = 200) -> web.Response:
    return await render(request, "field_delete.html", {
        **await field_context(request, field), "refused": refused or NO_REFUSAL},
        status=status)


@routes.get("/fields/{field_id}/delete")
async def confirm_delete(request: web.Request) -> web.Response:
    return await confirm_page(request, await named_field(request))


@routes.post("/fields/{field_id}/delete")
async def delete_field(request: web.Request) -> web.StreamResponse:
    field = await named_field(request)
    form = await request.post()
    try:
        await run(request, DeleteField(principal(request).org_id, field["id"], if_match(form),
                                       tag_covers_mappings=True))
    except StaleResource as exc:  # a mapping or option came or went: confirm again
        return await confirm_page(request, await load_field(request, field["id"]),
                                  refusal(exc), status=412)
    await flash(request, f"Deleted the field {field['name']}.")
    target = list_url(field["category"], field["model"])
    if is_htmx(request):
        return web.Response(status=204, headers={"HX-Redirect": target})
    raise web.HTTPSeeOther(target)
