"""A multiselect field's options on its page: add, change, move up or down, remove, each
an option command carrying the field's v1 ETag as If-Match; with htmx the options
section is answered again in place (a refusal in it, with its reasons), without htmx
the field's page."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from service.commands import Command
from service.commands.options import AddOption, RemoveOption, ReorderOptions, UpdateOption
from service.dashboard.guard import is_htmx
from service.dashboard.pages import principal, render, run
from service.dashboard.views.field_context import field_context
from service.dashboard.views.refusals import NO_REFUSAL, refusal
from service.dashboard.views.shared import Row, field_url, if_match, load_field, named_field
from service.errors import DomainError, FieldNotFound
from service.schemas.common import OptionPatchSchema, OptionSchema

routes = web.RouteTableDef()
option_schema, option_patch_schema = OptionSchema(), OptionPatchSchema()
# the posted form -> the option command and what the page says once it has run
Change = Callable[[Any], Awaitable[tuple[Command[Row], str]]]


async def option_change(request: web.Request, change: Change) -> web.StreamResponse:
    """Make the command from the posted form and run it; answer the options section
    again (htmx), else the page. A refusal (of the form or of the command) is shown in
    the section with htmx, else it is the error page."""
    field_id = request.match_info["field_id"]
    form = await request.post()
    refused = NO_REFUSAL
    try:
        command, message = await change(form)
        await run(request, command)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, FieldNotFound) or not is_htmx(request):
            raise
        refused, message = refusal(exc), ""
    if not is_htmx(request):
        raise web.HTTPSeeOther(field_url(field_id))
    field = await load_field(request, field_id)
    return await render(request, "field_options.html", {
        **await field_context(request, field), "options_refused": refused, "oob": True,
        "message": message})


def option_input(form: Any) -> Row:
    """An option form's value and colour (an empty colour: none)."""
    return {"value": str(form.get("value", "")),
            "color": str(form.get("color", "")).strip() or None}


def option_of(field: Row, option_id: str) -> Row | None:
    return next((o for o in field["options"] if o["id"] == option_id), None)


@routes.post("/fields/{field_id}/options")
async def add_option(request: web.Request) -> web.StreamResponse:
    org_id, field_id = principal(request).org_id, request.match_info["field_id"]

    async def change(form: Any) -> tuple[Command[Row], str]:
        data = option_schema.load(option_input(form))
        return (AddOption(org_id, field_id, data["value"], data["color"], if_match(form),
                          tag_covers_mappings=True), f"Added the option {data['value']}.")

    return await option_change(request, change)


@routes.post("/fields/{field_id}/options/{option_id}")
async def update_option(request: web.Request) -> web.StreamResponse:
    org_id, field_id = principal(request).org_id, request.match_info["field_id"]

    async def change(form: Any) -> tuple[Command[Row], str]:
        changes = option_patch_schema.load(option_input(form))
        return (UpdateOption(org_id, field_id, request.match_info["option_id"], changes,
                             if_match(form), tag_covers_mappings=True),
                f"Saved the option {changes['value']}.")

    return await option_change(request, change)


async def move_option(request: web.Request, step: int) -> web.StreamResponse:
    async def change(form: Any) -> tuple[Command[Row], str]:
        field = await named_field(request)
        ids = [o["id"] for o in field["options"]]
        option_id = request.match_info["option_id"]
        option = option_of(field, option_id)
        if option is None:
            raise ValidationError({"option": ["this option no longer exists: reload the page"]})
        at = ids.index(option_id)
        to = max(0, min(len(ids) - 1, at + step))
        ids.insert(to, ids.pop(at))
        where = "first" if to == 0 else "last" if to == len(ids) - 1 else f"number {to + 1}"
        return (ReorderOptions(principal(request).org_id, field["id"], ids, if_match(form),
                               tag_covers_mappings=True),
                f"The option {option['value']} is now {where}.")

    return await option_change(request, change)


@routes.post("/fields/{field_id}/options/{option_id}/up")
async def move_option_up(request: web.Request) -> web.StreamResponse:
    return await move_option(request, -1)


@routes.post("/fields/{field_id}/options/{option_id}/down")
async def move_option_down(request: web.Request) -> web.StreamResponse:
    return await move_option(request, 1)


@routes.post("/fields/{field_id}/options/{option_id}/delete")
async def remove_option(request: web.Request) -> web.StreamResponse:
    async def change(form: Any) -> tuple[Command[Row], str]:
        field = await named_field(request)
        option_id = request.match_info["option_id"]
        option = option_of(field, option_id)
        return (RemoveOption(principal(request).org_id, field["id"], option_id, if_match(form),
                             tag_covers_mappings=True),
                f"Removed the option {option['value'] if option else option_id}.")

    return await option_change(request, change)
