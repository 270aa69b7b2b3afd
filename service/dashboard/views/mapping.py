"""The mapping editor of one field: the page, and saving its expression.

The page shows the raw document of a connector (or of an integration's sample) as a tree
whose nodes write their JMESPath into the expression box (`rawtree.py`), a preview that
follows the expression as it is typed with its coverage over the connector's synced rows
(`mapping_preview.py`), and which mapping applies for each connector. Saving is for the
integration or for the connector alone.

Nothing here is a rule of its own: the document is `documents.raw_document`
(`mapping_source.py`), the winners `values.effective` over `queries.configuration`, and
saving runs CreateMapping / UpdateMapping on the v1 request shapes.
"""

from typing import Any

from aiohttp import web

from service import values
from service.commands.mappings import CreateMapping, UpdateMapping
from service.dashboard.guard import is_htmx
from service.dashboard.pages import catalogue, principal, queries, render, run
from service.dashboard.views.mapping_preview import evaluation
from service.dashboard.views.mapping_source import Choice, choices, chosen, raw, source_text
from service.dashboard.views.rawtree import tree
from service.dashboard.views.shared import Row, all_connectors, named_field
from service.errors import ValidationFailed
from service.schemas.v1 import MappingCreateSchema, MappingPatchSchema

routes = web.RouteTableDef()
create_schema, patch_schema = MappingCreateSchema(), MappingPatchSchema()
SCOPES = ("integration", "connector")


async def winners(request: web.Request, field: Row) -> list[dict[str, Any]]:
    """For each connector of the organization, the mapping of this field that applies:
    its own override, else its integration's mapping, else none."""
    known, read, org_id = catalogue(request), queries(request), principal(request).org_id
    result = []
    for connector in await all_connectors(request, org_id):
        entry = {"connector": connector, "served": known.serves(connector["integration_slug"],
                                                                field["category"]),
                 "integration": known.integrations[connector["integration_slug"]].display_name
                 if connector["integration_slug"] in known.integrations
                 else connector["integration_slug"],
                 "json_path": None, "source": None}
        if entry["served"]:
            rows = await read.configuration(org_id, connector, field["category"],
                                            field["model"])
            row = next((r for r in rows if r["id"] == field["id"]), None)
            if row is not None:
                entry["json_path"], entry["source"], _ = values.effective(row)
        result.append(entry)
    return result


async def current_mapping(request: web.Request, field: Row, choice: Choice,
                          standing: list[dict[str, Any]]) -> dict[str, Any]:
    """The field's effective expression for the chosen connector (for a sample, the
    field's mapping for that integration), and which mapping it is."""
    if choice.connector is not None:
        mine = next((w for w in standing if w["connector"]["id"] == choice.connector["id"]),
                    None)
        if mine is not None and mine["json_path"] is not None:
            where = ("its own mapping (connector override)" if mine["source"] == "connector"
                     else f"the {choice.integration_name} integration's mapping")
            return {"json_path": mine["json_path"], "where": where,
                    "subject": choice.connector["name"]}
        return {"json_path": None, "subject": choice.connector["name"], "where": None}
    for mapping in await queries(request).field_mappings(field["id"]):
        if mapping["integration_slug"] == choice.integration_slug and not mapping["connector_id"]:
            return {"json_path": str(mapping["json_path"]), "where": "its mapping",
                    "subject": f"the {choice.integration_name} integration"}
    return {"json_path": None, "where": None,
            "subject": f"the {choice.integration_name} integration"}


async def editor_context(request: web.Request, field: Row, options: list[Choice],
                         choice: Choice | None, saved: str | None = None,
                         draft: str | None = None) -> dict[str, Any]:
    """The page's context; `draft` is the expression being edited, kept when the
    Connector select changes (else the box holds the current mapping)."""
    known = catalogue(request)
    model = next((m for m in known.models(field["category"]) if m.slug == field["model"]),
                 None)
    page: dict[str, Any] = {"field": field, "choices": options, "choice": choice,
                            "model_name": model.display_name if model else field["model"],
                            "saved": saved}
    if choice is None:
        return page
    document = await raw(request, field, choice)
    standing = await winners(request, field)
    current = await current_mapping(request, field, choice, standing)
    json_path = draft if draft and draft.strip() else current["json_path"] or ""
    page.update({"nodes": tree(document.value), "source_text": source_text(document, choice),
                 "winners": standing, "json_path": json_path, "current": current,
                 "result": await evaluation(request, field, choice, json_path, document)})
    return page


def saved_for(choice: Choice, scope: str) -> str:
    if scope == "connector" and choice.connector is not None:
        return f"the connector {choice.connector['name']}"
    return f"the {choice.integration_name} integration"


def in_scope(mapping: Row, choice: Choice, connector: Row | None) -> bool:
    """Whether the mapping is the one saved for the connector (else for the chosen
    integration, shared by its connectors)."""
    if connector is not None:
        return bool(mapping["connector_id"] == connector["id"])
    return (mapping["integration_slug"] == choice.integration_slug
            and mapping["connector_id"] is None)


async def saved_message(request: web.Request, field: Row, choice: Choice | None,
                        scope: str | None) -> str | None:
    """After a save without htmx (`?saved=integration|connector`): what is saved now."""
    if choice is None or scope not in SCOPES:
        return None
    connector = choice.connector if scope == "connector" else None
    for mapping in await queries(request).field_mappings(field["id"]):
        if in_scope(mapping, choice, connector):
            return f"Mapping saved for {saved_for(choice, scope)}: {mapping['json_path']}"
    return None


@routes.get("/fields/{field_id}/map")
async def editor(request: web.Request) -> web.Response:
    """The editor; an htmx request (the Connector select) gets only the part that
    depends on the chosen connector."""
    field = await named_field(request)
    options = await choices(request, field)
    choice = chosen(options, request.query.get("source"), strict=False)
    page = await editor_context(request, field, options, choice,
                                saved=await saved_message(request, field, choice,
                                                          request.query.get("saved")),
                                draft=request.query.get("json_path"))
    partial = (is_htmx(request) and choice is not None
               and request.headers.get("HX-History-Restore-Request") != "true")
    return await render(request, "mapping_editor.html" if partial else "mapping.html", page)


@routes.post("/fields/{field_id}/map")
async def save(request: web.Request) -> web.StreamResponse:
    """Save the expression for the chosen integration (create, or update the field's
    mapping for it) or for the chosen connector alone."""
    form = await request.post()
    field = await named_field(request)
    options = await choices(request, field)
    source, scope = str(form.get("source", "")), str(form.get("scope", ""))
    choice = chosen(options, source or "(none)", strict=True)
    if choice is None or scope not in SCOPES:
        raise ValidationFailed("save for the integration or for the connector",
                               errors={"scope": ["integration or connector"]})
    connector = choice.connector if scope == "connector" else None
    if scope == "connector" and connector is None:
        raise ValidationFailed("a sample is no connector: save it for the integration, or "
                               "pick a connector", errors={"source": ["a connector"]})
    target = ({"connector_token": connector["token"]} if connector is not None
              else {"integration_slug": choice.integration_slug})
    data = create_schema.load({"custom_field_id": field["id"],
                               "json_path": str(form.get("json_path", "")), **target})
    org_id = principal(request).org_id
    existing = next((m for m in await queries(request).field_mappings(field["id"])
                     if in_scope(m, choice, connector)), None)
    if existing is None:
        await run(request, CreateMapping(org_id=org_id, **data))
        verb = "created"
    else:
        patch = patch_schema.load({"json_path": data["json_path"]})
        await run(request, UpdateMapping(org_id, existing["id"], patch["json_path"]))
        verb = "updated"
    if not is_htmx(request):  # the editor says what was saved (from the store, not the URL)
        raise web.HTTPSeeOther(str(request.rel_url.with_query(
            {"source": choice.value, "saved": scope})))
    saved = f"Mapping {verb} for {saved_for(choice, scope)}: {data['json_path']}"
    standing = await winners(request, field)
    return await render(request, "mapping_saved.html", {
        "saved": saved, "winners": standing, "field": field, "choice": choice,
        "current": await current_mapping(request, field, choice, standing),
        "json_path": data["json_path"], "oob": True})

