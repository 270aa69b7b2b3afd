"""v1 lookups: the models of a category and the integrations enabled for the caller."""

from aiohttp import web

from projections import queries
from service.appkeys import catalogue_key, store_key
from service.auth import principal
from service.errors import ValidationFailed
from service.handlers.common import json_response

routes = web.RouteTableDef()


def _category(request: web.Request) -> str | None:
    category = request.query.get("category")
    catalogue = request.app[catalogue_key]
    if category is not None and category not in catalogue.categories:
        raise ValidationFailed(
            f"unknown category {category!r}; one of {', '.join(catalogue.categories)}",
            code="UNKNOWN_CATEGORY", errors={"category": ["unknown category"]})
    return category


@routes.get("/api/v1/lookup/models")
async def lookup_models(request: web.Request) -> web.Response:
    models = request.app[catalogue_key].models(_category(request))
    return json_response({"models": [
        {"slug": m.slug, "display_name": m.display_name, "category": m.category}
        for m in models]})


@routes.get("/api/v1/lookup/integrations")
async def lookup_integrations(request: web.Request) -> web.Response:
    category = _category(request)
    catalogue = request.app[catalogue_key]
    enabled = await queries.enabled_integrations(request.app[store_key].reader,
                                                principal(request).org_id)
    integrations = [catalogue.integrations[s] for s in enabled if s in catalogue.integrations]
    return json_response({"integrations": [
        {"slug": i.slug, "display_name": i.display_name, "categories": list(i.categories)}
        for i in integrations if category is None or category in i.categories]})
