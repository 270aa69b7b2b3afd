"""v1 lookups: the models and the integrations the caller's organization can use.

Both are filtered to what the organization has access to (the reference): the models
of the categories that at least one of its enabled integrations serves, and its
enabled integrations."""

from aiohttp import web

from service import rules
from service.auth import principal
from service.handlers.common import backend, context, json_response, query
from service.routing import LISTING, Routes
from service.schemas import responses as r
from service.schemas.v1 import LookupQuerySchema

routes = Routes("lookups")
lookup_schema = LookupQuerySchema()


@routes.get("/lookup/models", summary="Models you can extend", ok={200: r.ModelsSchema},
            query=LookupQuerySchema, scope=LISTING, operation_id="list_models", reuse=True)
async def lookup_models(request: web.Request) -> web.Response:
    catalogue = context(request).catalogue
    category = query(request, lookup_schema)["category"]
    rules.require_category(catalogue, category)
    enabled = await backend(request).queries.enabled_integrations(principal(request).org_id)
    served = {c for slug in enabled if slug in catalogue.integrations
              for c in catalogue.integrations[slug].categories}
    return json_response({"models": [
        {"slug": m.slug, "display_name": m.display_name, "category": m.category}
        for m in catalogue.models(category) if m.category in served]})


@routes.get("/lookup/integrations", summary="Integrations enabled for your organization",
            ok={200: r.IntegrationsSchema}, query=LookupQuerySchema, scope=LISTING,
            operation_id="list_integrations", reuse=True)
async def lookup_integrations(request: web.Request) -> web.Response:
    catalogue = context(request).catalogue
    category = query(request, lookup_schema)["category"]
    rules.require_category(catalogue, category)
    enabled = await backend(request).queries.enabled_integrations(principal(request).org_id)
    integrations = [catalogue.integrations[s] for s in enabled if s in catalogue.integrations]
    return json_response({"integrations": [
        {"slug": i.slug, "display_name": i.display_name, "categories": list(i.categories)}
        for i in integrations if category is None or category in i.categories]})
