"""v1 lookups: the models of a category and the integrations enabled for the caller."""

from aiohttp import web

from service import rules
from service.auth import principal
from service.handlers.common import backend, context, json_response
from service.routing import LISTING, Routes
from service.schemas import responses as r

routes = Routes("lookups")


@routes.get("/lookup/models", summary="Models you can extend", ok={200: r.ModelsSchema},
            scope=LISTING)
async def lookup_models(request: web.Request) -> web.Response:
    catalogue = context(request).catalogue
    category = request.query.get("category")
    rules.require_category(catalogue, category)
    return json_response({"models": [
        {"slug": m.slug, "display_name": m.display_name, "category": m.category}
        for m in catalogue.models(category)]})


@routes.get("/lookup/integrations", summary="Integrations enabled for your organization",
            ok={200: r.IntegrationsSchema}, scope=LISTING)
async def lookup_integrations(request: web.Request) -> web.Response:
    catalogue = context(request).catalogue
    category = request.query.get("category")
    rules.require_category(catalogue, category)
    enabled = await backend(request).queries.enabled_integrations(principal(request).org_id)
    integrations = [catalogue.integrations[s] for s in enabled if s in catalogue.integrations]
    return json_response({"integrations": [
        {"slug": i.slug, "display_name": i.display_name, "categories": list(i.categories)}
        for i in integrations if category is None or category in i.categories]})
