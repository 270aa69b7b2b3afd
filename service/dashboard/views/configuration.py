"""The effective configuration of a connector: the content of
GET /api/v1/custom-fields/configuration (service.values.configuration over the same
query), with the integration's mapping shown beside a connector override (the fallback
it would inherit without the override).

The scope (a connector, and a model of a category its integration serves) is chosen in a
plain GET form shared with the values page: the Model select sends `CATEGORY/model`,
which is redirected to the canonical `?connector_token=&category=&model=`; changing the
connector reloads the Model select's choices with htmx. A missing connector or model
defaults to the first; a refusal (a model the connector's integration does not serve, a
connector that is not the organization's) is an error message above the form's result.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from marshmallow import ValidationError

from service import rules, values
from service.catalogue import Model
from service.dashboard.pages import catalogue, principal, queries, render
from service.errors import ConnectorNotFound, DomainError
from service.schemas.v1 import ConnectorModelQuerySchema

routes = web.RouteTableDef()
connector_model_schema = ConnectorModelQuerySchema()
CONNECTORS_SHOWN = 1000  # the selects list this many connectors (as the overview does)


@dataclass
class Scope:
    """What the scope form shows, and what it chose (once checked)."""

    connectors: list[dict[str, Any]]
    connector: dict[str, Any] | None = None
    category: str | None = None
    model: str | None = None
    models: list[Model] = field(default_factory=list)  # those the connector's integration serves
    error: dict[str, Any] | None = None  # {"status", "title", "detail", "errors"}

    @property
    def ready(self) -> bool:
        return self.error is None and self.connector is not None and self.model is not None

    def query(self, **extra: Any) -> str:
        """The canonical query string of this scope (and extra parameters that are set)."""
        params = {"connector_token": self.connector["token"] if self.connector else "",
                  "category": self.category or "", "model": self.model or ""}
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


def refusal(exc: DomainError | ValidationError) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        return {"status": exc.status, "title": exc.code.replace("_", " ").capitalize(),
                "detail": exc.detail, "errors": exc.errors or {}}
    messages = exc.messages if isinstance(exc.messages, dict) else {"query": exc.messages}
    return {"status": 422, "title": "Check the form", "detail": "some values are not valid",
            "errors": messages}


def canonical_redirect(request: web.Request, keep: tuple[str, ...] = ()) -> None:
    """The form's `model=CATEGORY/model` becomes `category=CATEGORY&model=model`."""
    chosen = request.query.get("model", "")
    if "/" not in chosen:
        return
    category, model = chosen.split("/", 1)
    params = {"connector_token": request.query.get("connector_token", ""),
              "category": category, "model": model}
    params.update({k: request.query[k] for k in keep if request.query.get(k)})
    raise web.HTTPFound(f"{request.path}?{urlencode(params)}")


def served_models(request: web.Request, connector: dict[str, Any]) -> list[Model]:
    known = catalogue(request)
    return [m for m in known.models() if known.serves(connector["integration_slug"], m.category)]


async def connector_for(request: web.Request, connectors: list[dict[str, Any]],
                        token: str) -> dict[str, Any]:
    """The organization's connector with this token (another's is not found)."""
    for connector in connectors:
        if connector["token"] == token:
            return connector
    return rules.require_connector(
        await queries(request).connector_by_token(principal(request).org_id, token))


async def scope(request: web.Request) -> Scope:
    """The connector and model of the query (else the first ones), checked by the rules
    the API's configuration and values apply: a known model, the caller's connector,
    its integration serving the category."""
    connectors = await queries(request).list_connectors(principal(request).org_id, None,
                                                        CONNECTORS_SHOWN)
    chosen = Scope(connectors)
    token = request.query.get("connector_token") or (connectors[0]["token"] if connectors
                                                     else None)
    if token is None:
        return chosen
    try:
        chosen.connector = await connector_for(request, connectors, token)
        chosen.models = served_models(request, chosen.connector)
        chosen.category = request.query.get("category") or None
        chosen.model = request.query.get("model") or None
        if chosen.model is None and chosen.category is None and chosen.models:
            chosen.category, chosen.model = chosen.models[0].category, chosen.models[0].slug
        params = connector_model_schema.load({"connector_token": token,
                                              "category": chosen.category or "",
                                              "model": chosen.model or ""})
        rules.require_model(catalogue(request), params["category"], params["model"])
        rules.require_serves(catalogue(request), chosen.connector["integration_slug"],
                             params["category"], field="connector_token")
    except (DomainError, ValidationError) as exc:
        chosen.error = refusal(exc)
        if isinstance(exc, ConnectorNotFound):
            chosen.connector = None
    return chosen


async def configuration_rows(request: web.Request, chosen: Scope) -> list[dict[str, Any]]:
    assert chosen.connector is not None and chosen.category and chosen.model
    return await queries(request).configuration(principal(request).org_id, chosen.connector,
                                                chosen.category, chosen.model)


@routes.get("/configuration")
async def configuration_page(request: web.Request) -> web.Response:
    canonical_redirect(request)
    chosen = await scope(request)
    body, entries = None, []
    if chosen.ready:
        assert chosen.connector is not None and chosen.category and chosen.model
        rows = await configuration_rows(request, chosen)
        body = values.configuration(chosen.connector, chosen.category, chosen.model, rows)
        for row, entry in zip(rows, body["fields"], strict=True):
            fallback = None
            if entry["source"] == "connector" and row["integration_mapping_id"] is not None:
                fallback = {"json_path": row["integration_json_path"],
                            "mapping_id": row["integration_mapping_id"]}
            entries.append({**entry, "type": row["type"], "fallback": fallback})
    counts = {source: sum(1 for e in entries if e["source"] == source)
              for source in ("connector", "organization", None)}
    return await render(request, "configuration.html", {
        "scope": chosen, "action": "/dashboard/configuration", "limit": None, "body": body,
        "entries": entries, "counts": counts,
        "api_path": f"/api/v1/custom-fields/configuration?{chosen.query()}"},
        status=chosen.error["status"] if chosen.error else 200)


@routes.get("/configuration/models")
async def model_choices(request: web.Request) -> web.Response:
    """The Model select for the chosen connector (htmx swaps it in when the Connector
    select changes): the models its integration serves, the current one kept if served."""
    org_connectors = await queries(request).list_connectors(principal(request).org_id, None,
                                                            CONNECTORS_SHOWN)
    chosen = Scope(org_connectors)
    token = request.query.get("connector_token", "")
    chosen.connector = await connector_for(request, org_connectors, token)
    chosen.models = served_models(request, chosen.connector)
    current = request.query.get("model", "")
    if "/" in current:
        chosen.category, chosen.model = current.split("/", 1)
    return await render(request, "configuration_models.html", {"scope": chosen})
