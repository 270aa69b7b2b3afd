"""v1 definitions as code: export every field with its options, number format and
mappings as one document, and import such a document (dry run, prune).

Both paths are fixed ones under /custom-fields: this table is routed before the
/custom-fields/{field_id} patterns (`service.apis`).
"""

from aiohttp import web

from service import rules
from service.auth import principal
from service.commands.definitions import DryRunDone, ImportDefinitions
from service.definitions import document
from service.handlers.common import backend, checked, context, json_response, query
from service.jsonbody import read_json
from service.routing import CREATE, LISTING, Routes
from service.schemas.definitions import (
    DefinitionsQuerySchema,
    DefinitionsSchema,
    ImportQuerySchema,
    PlanSchema,
)
from service.writes import perform

routes = Routes("v1")
export_query, import_query = DefinitionsQuerySchema(), ImportQuerySchema()
document_schema = DefinitionsSchema()


@routes.get("/custom-fields/export", summary="Every field with its options, number format "
            "and mappings, as one document without ids (definitions as code)",
            ok={200: DefinitionsSchema}, query=DefinitionsQuerySchema, scope=LISTING,
            operation_id="export_definitions")
async def export_definitions(request: web.Request) -> web.Response:
    params = query(request, export_query)
    rules.require_filter(context(request).catalogue, params["category"], params["model"])
    rows = await backend(request).queries.definitions(
        principal(request).org_id, params["category"], params["model"])
    return json_response(document(rows, params["category"], params["model"]))


@routes.post("/custom-fields/import", summary="Apply a definitions document in one "
             "transaction (or, with dry_run, only plan it): create, update and, with prune, "
             "delete fields, options and mappings", ok={200: PlanSchema},
             body=DefinitionsSchema, query=ImportQuerySchema, scope=CREATE,
             operation_id="import_definitions")
async def import_definitions(request: web.Request) -> web.Response:
    body = await read_json(request)
    params = query(request, import_query)
    data = document_schema.load(body)
    command = ImportDefinitions(principal(request).org_id, data["field_list"],
                                data["scope"]["category"], data["scope"]["model"],
                                prune=params["prune"], dry_run=params["dry_run"])
    try:
        return await perform(request, checked(request, command), lambda plan: (200, plan, {}))
    except DryRunDone as done:
        return json_response(done.plan)
