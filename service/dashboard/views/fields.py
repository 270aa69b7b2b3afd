"""The fields of a model, and creating one.

- `GET /fields?category=C&model=M`: the model's fields in a table (type, options with
  their swatches, source, mapped or unmapped per connector serving the category, links
  "Map" and "History"); "New field" opens the creation form (htmx, or `&new=1` without
  it); `POST /fields` runs CreateField(source="DASHBOARD").

Input is shaped by the v1 request schema, so a refusal reads as the API's does. An htmx
refusal is answered 200 with the form and its reasons (htmx swaps 2xx only); without
htmx, the same page with its status. One field's page is `field_edit.py`, its options
`options.py`.
"""

from aiohttp import web
from marshmallow import ValidationError

from service import fieldtypes, rules
from service.commands.fields import CreateField
from service.dashboard.guard import is_htmx
from service.dashboard.pages import SOURCE, catalogue, principal, queries, render, run
from service.dashboard.views.field_inputs import CREATE_INPUTS, create_input, type_extras
from service.dashboard.views.refusals import NO_REFUSAL, refusal, refused_status
from service.dashboard.views.shared import PAGE, Row, all_connectors, flash, list_url
from service.errors import DomainError
from service.schemas.v1 import FieldCreateSchema
from service.values import effective

routes = web.RouteTableDef()
DEFAULT_CATEGORY, DEFAULT_MODEL = "HRIS", "employee"
create_schema = FieldCreateSchema()


def chosen_model(request: web.Request) -> tuple[str, str]:
    category = request.query.get("category", DEFAULT_CATEGORY)
    model = request.query.get("model", DEFAULT_MODEL)
    rules.require_model(catalogue(request), category, model)  # 422 naming the choices
    return category, model


async def model_fields(request: web.Request, org_id: str, category: str, model: str
                       ) -> list[Row]:
    read, fields, after = queries(request), [], None
    while True:
        page = await read.list_fields(org_id, category=category, model=model, after=after,
                                      limit=PAGE)
        fields += page
        if len(page) < PAGE:
            return fields
        after = page[-1]["id"]


async def table_context(request: web.Request, category: str, model: str) -> Row:
    """The table of the model's fields, with each connector's effective mapping (its
    own, or its integration's) for each, from the configuration query."""
    org_id, known = principal(request).org_id, catalogue(request)
    fields = await model_fields(request, org_id, category, model)
    connectors = [c for c in await all_connectors(request, org_id)
                  if known.serves(c["integration_slug"], category)]
    used: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for connector in connectors:
        for row in await queries(request).configuration(org_id, connector, category, model):
            json_path, source, _ = effective(row)
            used[(row["id"], connector["id"])] = (json_path, source)
    rows = [{**f, "mapped": [dict(zip(("json_path", "source"),
                                      used.get((f["id"], c["id"]), (None, None)), strict=True))
                             for c in connectors]}
            for f in fields]
    [display] = [m for m in known.models(category) if m.slug == model]
    return {"category": category, "model": model, "model_name": display.display_name,
            "fields": rows, "connectors": connectors}


def new_field_context(category: str, model: str, *, open_: bool, focus: bool = False,
                      values: Row | None = None, refused: Row | None = None) -> Row:
    return {"category": category, "model": model, "open": open_, "focus": focus,
            "input": values or {"type": fieldtypes.DEFAULT_TYPE},
            "refused": refused or NO_REFUSAL, **type_extras()}


async def list_page(request: web.Request, category: str, model: str, new: Row,
                    message: str | None = None, status: int = 200) -> web.Response:
    return await render(request, "fields.html", {
        **await table_context(request, category, model), "new": new, "message": message,
        "categories": catalogue(request).categories}, status=status)


@routes.get("/fields")
async def fields_list(request: web.Request) -> web.Response:
    category, model = chosen_model(request)
    new = new_field_context(category, model, open_=request.query.get("new") == "1")
    return await list_page(request, category, model, new, await flash(request))


@routes.get("/fields/new")
async def new_field_form(request: web.Request) -> web.StreamResponse:
    """The creation form (or, with `open=0`, the button again), for htmx to swap in."""
    category, model = chosen_model(request)
    open_ = request.query.get("open") != "0"
    if not is_htmx(request):
        raise web.HTTPSeeOther(list_url(category, model, **({"new": "1"} if open_ else {})))
    return await render(request, "fields_new.html",
                        {"new": new_field_context(category, model, open_=open_,
                                                  focus=not open_)})


@routes.post("/fields")
async def create_field(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in CREATE_INPUTS}
    category, model = values["category"], values["model"]
    try:
        data = create_schema.load(create_input(values))
        await run(request, CreateField(org_id=principal(request).org_id, source=SOURCE, **data))
    except (ValidationError, DomainError) as exc:
        new = new_field_context(category, model, open_=True, values=values,
                                refused=refusal(exc))
        if is_htmx(request):
            return await render(request, "fields_new.html", {"new": new})
        rules.require_model(catalogue(request), category, model)
        return await list_page(request, category, model, new,
                               status=refused_status(exc))
    if not is_htmx(request):
        await flash(request, f"Created the field {data['name']}.")
        raise web.HTTPSeeOther(list_url(category, model))
    return await render(request, "fields_created.html", {
        **await table_context(request, category, model),
        "new": new_field_context(category, model, open_=False, focus=True),
        "message": f"Created the field {data['name']}."})
