"""The overview: the organization, its integrations and connectors (last sync, rows
synced), and per (category, model) how many fields it has and how many of them each
connector has an effective mapping for."""

from aiohttp import web

from service.dashboard.pages import catalogue, principal, queries, render

routes = web.RouteTableDef()


@routes.get("")
async def bare(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/dashboard/")


@routes.get("/")
async def overview(request: web.Request) -> web.Response:
    org_id = principal(request).org_id
    read, known = queries(request), catalogue(request)
    enabled = await read.enabled_integrations(org_id)
    connectors = await read.list_connectors(org_id, None, 1000)
    counts = await read.overview(org_id)
    rows = {r["connector_id"]: r["rows"] for r in counts["rows"]}
    fields = {(r["category"], r["model"]): r["fields"] for r in counts["fields"]}
    mapped = {(r["connector_id"], r["category"], r["model"]): r["mapped"]
              for r in counts["mapped"]}
    served = {c for slug in enabled if slug in known.integrations
              for c in known.integrations[slug].categories}
    models = [{"category": m.category, "slug": m.slug, "display_name": m.display_name,
               "fields": fields.get((m.category, m.slug), 0),
               "mapped": [{"connector": c, "count": mapped.get((c["id"], m.category, m.slug), 0),
                           "serves": known.serves(c["integration_slug"], m.category)}
                          for c in connectors]}
              for m in known.models() if m.category in served or (m.category, m.slug) in fields]
    return await render(request, "overview.html", {
        "integrations": [known.integrations[s] for s in enabled if s in known.integrations],
        "connectors": [{**c, "rows": rows.get(c["id"], 0)} for c in connectors],
        "model_rows": models})
