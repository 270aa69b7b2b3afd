"""Tenant isolation, generated from the route table (DESIGN section 3).

Every route of the app is tried with four callers: the first organization's own key,
another organization's key, no key, and a revoked key of the first organization. The
routes, their success status, their scope and whether they are public all come from
the route declarations (`service.apis.OPERATIONS`), so a route added later is tried
without editing this file; a route without a sample request in `REQUESTS` fails with
its name.

Expectations:
- own key: the route's declared success status;
- another organization's key: 404 for a route whose scope is a resource of the first
  organization (and nothing of it written); lists and lookups answer 200 but never show
  any id, name or token of the first organization; creates make the caller's own thing;
- no key: 401 with `WWW-Authenticate: Bearer`; a revoked key: 401 likewise;
- public routes (health, readiness, metrics, the OpenAPI document): 200 for everyone.
The persons API is called with the caller's own `organizationSlug`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from service.apis import OPERATIONS, declared_routes
from service.commands.tenancy import IssueKey, RevokeKey
from service.ids import hash_key
from service.routing import PUBLIC as PUBLIC_AUTH
from service.routing import RESOURCE, Operation
from tests.conftest import Tenant, event_count, make_tenant, run

PROBLEM = "application/problem+json"
FIRST, OTHER = "umbrella", "initech"
# The only routes anyone may call without a key; a route declared public besides these
# fails `test_the_public_routes_are_exactly_the_operational_ones`.
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
          ("GET", "/api/v1/openapi.json")}

# Distinctive data of the first organization: none of it may reach another organization.
PERSON_FIELD_NAME = "Quokka Loyalty Tier"
PERSON_OPTION = "Platinum Quokka"
PERSON_OPTION_2 = "Obsidian Wombat"
HRIS_FIELD_NAME = "quokka_badge_code"
JSON_PATH = "quokkaBadge.code"
REMOTE_ID = "quokka-employee-7731"
SYNCED_VALUE = "QB-SECRET-4471"


# --- the world: two organizations, the first with one of everything ------------------------

@dataclass
class World:
    first: Tenant
    other: Tenant
    revoked_key: str
    person_field: str = ""
    option_ids: list[str] = field(default_factory=list)
    hris_field: str = ""
    mapping_id: str = ""
    webhook_id: str = ""
    other_field: str = ""  # the other organization's own field, for writes of its own

    @property
    def option_id(self) -> str:
        return self.option_ids[0]

    def ids(self) -> list[str]:
        """Everything that identifies the first organization's data."""
        return [self.first.id, self.first.key, hash_key(self.first.key), self.first.key_id,
                self.first.connector_token, self.first.connector_id, self.person_field,
                *self.option_ids, self.hris_field, self.mapping_id, self.webhook_id]

    def names(self) -> list[str]:
        """What the first organization wrote, as opposed to ids a caller may echo back."""
        return [PERSON_FIELD_NAME, PERSON_OPTION, PERSON_OPTION_2, HRIS_FIELD_NAME, JSON_PATH,
                REMOTE_ID, SYNCED_VALUE]


async def _created(response, status: int = 201) -> dict:
    body = await response.json()
    assert response.status == status, body
    return body


async def build_world(client, app) -> World:
    first = await make_tenant(app, FIRST)
    other = await make_tenant(app, OTHER)
    extra = await run(app, IssueKey(FIRST))
    await run(app, RevokeKey(extra["id"]))
    world = World(first, other, extra["key"])

    person = await _created(await client.post(
        "/custom-fields", headers=first.persons_headers,
        json={"name": PERSON_FIELD_NAME, "type": "multiselect",
              "options": [{"value": PERSON_OPTION}, {"value": PERSON_OPTION_2}]}))
    world.person_field = person["id"]
    world.option_ids = [o["id"] for o in person["options"]]
    hris = await _created(await client.post("/api/v1/custom-fields", headers=first.headers, json={
        "name": HRIS_FIELD_NAME, "category": "HRIS", "model": "employee",
        "description": "badge code"}))
    world.hris_field = hris["id"]
    mapping = await _created(await client.post(
        "/api/v1/custom-fields/mapping", headers=first.headers,
        json={"custom_field_id": world.hris_field, "integration_slug": "workday",
              "json_path": JSON_PATH}))
    world.mapping_id = mapping["id"]
    world.webhook_id = (await _created(await client.post(W, headers=first.headers, json={
        "url": WEBHOOK_URL, "events": ["integration.disabled"]})))["id"]
    await _created(await client.post(
        f"/api/v1/connectors/{first.connector_token}/sync", headers=first.headers,
        json={"category": "HRIS", "model": "employee", "records": [
            {"remote_id": REMOTE_ID, "data": {"quokkaBadge": {"code": SYNCED_VALUE}}}]}), 200)
    world.other_field = (await _created(await client.post(F, headers=other.headers, json={
        "name": "other_badge", **EMPLOYEE})))["id"]
    return world


# --- one sample request per route --------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    path: str
    json: Any = None
    params: dict[str, str] | None = None


@dataclass(frozen=True)
class Sample:
    """A route's declaration (its scope, its success status) and how to build a request
    of it for a caller."""

    operation: Operation
    build: Callable[[World, Tenant], Request]

    @property
    def kind(self) -> str:
        return self.operation.scope

    @property
    def ok(self) -> int:
        return self.operation.status


EMPLOYEE = {"category": "HRIS", "model": "employee"}


def _scope(w: World) -> dict[str, str]:
    return {"connector_token": w.first.connector_token, **EMPLOYEE}


P = "/custom-fields"
F = "/api/v1/custom-fields"
W = "/api/v1/webhooks"
# a public address literal (no name to resolve), subscribed to an event no route writes,
# so the matrix never makes the worker send anything anywhere
WEBHOOK_URL = "https://93.184.216.34/hooks"
# What the scope and status of each route are comes from its declaration; here, only a
# request for it.
REQUESTS: dict[tuple[str, str], Callable[[World, Tenant], Request]] = {
    ("GET", "/healthz"): lambda w, c: Request("/healthz"),
    ("GET", "/readyz"): lambda w, c: Request("/readyz"),
    ("GET", "/metrics"): lambda w, c: Request("/metrics"),
    ("GET", "/api/v1/openapi.json"): lambda w, c: Request("/api/v1/openapi.json"),
    ("GET", "/api/v1/lookup/models"): lambda w, c: Request("/api/v1/lookup/models"),
    ("GET", "/api/v1/lookup/integrations"): lambda w, c: Request("/api/v1/lookup/integrations"),
    ("GET", "/api/v1/events"): lambda w, c: Request(
        "/api/v1/events", params={"limit": "200"}),
    ("GET", F + "/{field_id}/history"): lambda w, c: Request(f"{F}/{w.hris_field}/history"),
    ("GET", F + "/raw-data"): lambda w, c: Request(
        F + "/raw-data", params=_scope(w)),
    ("POST", F + "/preview"): lambda w, c: Request(
        F + "/preview", json={**_scope(w), "json_path": JSON_PATH}),
    ("POST", F + "/preview/coverage"): lambda w, c: Request(
        F + "/preview/coverage", json={**_scope(w), "json_path": JSON_PATH,
                                       "custom_field_id": w.hris_field}),
    ("GET", F + "/configuration"): lambda w, c: Request(
        F + "/configuration", params=_scope(w)),
    # bulk mappings and an import write the caller's own (the other: on its own field)
    ("POST", F + "/mapping/bulk"): lambda w, c: Request(F + "/mapping/bulk", json={"mappings": [{
        "custom_field_id": w.other_field if c is w.other else w.hris_field,
        "connector_token": c.connector_token, "json_path": "badge"}]}),
    ("GET", F + "/export"): lambda w, c: Request(F + "/export"),
    ("POST", F + "/import"): lambda w, c: Request(F + "/import", json={
        "format_version": 1, "fields": [{**EMPLOYEE, "name": "imported_badge", "mappings": [
            {"integration_slug": "workday", "json_path": "badge"}]}]}),
    ("GET", F + "/values"): lambda w, c: Request(
        F + "/values", params=_scope(w)),
    ("POST", F + "/mapping"): lambda w, c: Request(
        F + "/mapping", json={"custom_field_id": w.hris_field,
                              "connector_token": w.first.connector_token,
                              "json_path": "badge"}),
    ("PATCH", F + "/mapping/{mapping_id}"): lambda w, c: Request(
        f"{F}/mapping/{w.mapping_id}", json={"json_path": "badge.other"}),
    ("DELETE", F + "/mapping/{mapping_id}"): lambda w, c: Request(f"{F}/mapping/{w.mapping_id}"),
    ("POST", "/api/v1/connectors"): lambda w, c: Request(
        "/api/v1/connectors", json={"integration_slug": "hubspot"}),
    ("GET", "/api/v1/connectors"): lambda w, c: Request("/api/v1/connectors"),
    ("GET", "/api/v1/connectors/{connector_token}"): lambda w, c: Request(
        f"/api/v1/connectors/{w.first.connector_token}"),
    ("PATCH", "/api/v1/connectors/{connector_token}"): lambda w, c: Request(
        f"/api/v1/connectors/{w.first.connector_token}", json={"name": "Renamed"}),
    ("DELETE", "/api/v1/connectors/{connector_token}"): lambda w, c: Request(
        f"/api/v1/connectors/{w.first.connector_token}"),
    ("POST", "/api/v1/connectors/{connector_token}/sync"): lambda w, c: Request(
            f"/api/v1/connectors/{w.first.connector_token}/sync",
            json={**EMPLOYEE, "records": [{"remote_id": "r-2", "data": {"x": 1}}]}),
    # Another organization may use the first one's field name: names are per organization.
    ("POST", F): lambda w, c: Request(
        F, json={"name": HRIS_FIELD_NAME if c is w.other else "new_field", **EMPLOYEE}),
    ("GET", F): lambda w, c: Request(F, params={"limit": "200"}),
    ("GET", F + "/{field_id}"): lambda w, c: Request(f"{F}/{w.hris_field}"),
    ("DELETE", F + "/{field_id}"): lambda w, c: Request(f"{F}/{w.hris_field}"),
    ("PATCH", F + "/{field_id}"): lambda w, c: Request(
        f"{F}/{w.hris_field}", json={"description": "changed"}),
    ("POST", F + "/{field_id}/revert"): lambda w, c: Request(
        f"{F}/{w.hris_field}/revert", json={"to_version": 1}),
    # the v1 option routes, on the first organization's (CRM, person) multiselect
    ("POST", F + "/{field_id}/options"): lambda w, c: Request(
        f"{F}/{w.person_field}/options", json={"value": "Copper"}),
    ("PUT", F + "/{field_id}/options/order"): lambda w, c: Request(
        f"{F}/{w.person_field}/options/order", json={"option_ids": w.option_ids[::-1]}),
    ("PATCH", F + "/{field_id}/options/{option_id}"): lambda w, c: Request(
        f"{F}/{w.person_field}/options/{w.option_id}", json={"color": "#00FF00"}),
    ("DELETE", F + "/{field_id}/options/{option_id}"): lambda w, c: Request(
        f"{F}/{w.person_field}/options/{w.option_id}"),
    ("POST", W): lambda w, c: Request(W, json={"url": WEBHOOK_URL,
                                               "events": ["integration.disabled"]}),
    ("GET", W): lambda w, c: Request(W),
    ("GET", W + "/{webhook_id}"): lambda w, c: Request(f"{W}/{w.webhook_id}"),
    ("PATCH", W + "/{webhook_id}"): lambda w, c: Request(f"{W}/{w.webhook_id}",
                                                         json={"description": "changed"}),
    ("DELETE", W + "/{webhook_id}"): lambda w, c: Request(f"{W}/{w.webhook_id}"),
    ("GET", W + "/{webhook_id}/deliveries"): lambda w, c: Request(
        f"{W}/{w.webhook_id}/deliveries"),
    ("POST", W + "/{webhook_id}/replay"): lambda w, c: Request(
        f"{W}/{w.webhook_id}/replay", json={"from_seq": 1}),
    ("GET", P): lambda w, c: Request(P),
    ("POST", P): lambda w, c: Request(
        P, json={"name": PERSON_FIELD_NAME if c is w.other else "New Field"}),
    ("GET", P + "/{field_id}"): lambda w, c: Request(f"{P}/{w.person_field}"),
    ("PATCH", P + "/{field_id}"): lambda w, c: Request(
        f"{P}/{w.person_field}", json={"description": "changed"}),
    ("DELETE", P + "/{field_id}"): lambda w, c: Request(f"{P}/{w.person_field}"),
    ("POST", P + "/{field_id}/options"): lambda w, c: Request(
        f"{P}/{w.person_field}/options", json={"value": "Bronze"}),
    ("PUT", P + "/{field_id}/options/order"): lambda w, c: Request(
        f"{P}/{w.person_field}/options/order", json={"optionIds": w.option_ids[::-1]}),
    ("PATCH", P + "/{field_id}/options/{option_id}"): lambda w, c: Request(
        f"{P}/{w.person_field}/options/{w.option_id}", json={"color": "#FFD700"}),
    ("DELETE", P + "/{field_id}/options/{option_id}"): lambda w, c: Request(
        f"{P}/{w.person_field}/options/{w.option_id}"),
}

# The routes as the app factory builds them, read once when the tests are collected.
ROUTES = declared_routes()
ROUTE_IDS = [f"{method} {path}" for method, path in ROUTES]


DECLARED = {(op.method, op.path): op for op in OPERATIONS}


def sample_for(route: tuple[str, str]) -> Sample:
    if route not in REQUESTS:
        pytest.fail(f"route {route[0]} {route[1]} has no sample request in REQUESTS of "
                    f"{__name__}: add one so its tenant isolation is tested")
    return Sample(DECLARED[route], REQUESTS[route])


def is_persons(path: str) -> bool:
    return path == P or path.startswith(P + "/")


def headers_for(path: str, key: str | None, slug: str) -> dict[str, str]:
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    if is_persons(path):
        headers["organizationSlug"] = slug
    return headers


async def send(client, method: str, request: Request, headers: dict[str, str]):
    response = await client.request(method, request.path, json=request.json,
                                    params=request.params, headers=headers)
    return response, await response.text()


async def first_org_event_count(app, world: World) -> int:
    return await event_count(app, world.first.id)


# --- the matrix ----------------------------------------------------------------------------------

@pytest.fixture
async def world(client, app) -> World:
    return await build_world(client, app)


class Failures(list):
    """Soft assertions: every caller of a route is tried, then all failures are shown."""

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.append(message)


async def try_no_key(client, world, route, failures: Failures) -> None:
    method, _ = route
    request = sample_for(route).build(world, world.first)
    headers = headers_for(request.path, None, world.first.slug)
    response, text = await send(client, method, request, headers)
    if DECLARED[route].auth == PUBLIC_AUTH:
        failures.check(response.status == 200, f"no key: {response.status} {text[:300]}")
        return
    failures.check(response.status == 401 and response.content_type == PROBLEM
                   and json.loads(text).get("code") == "UNAUTHORIZED",
                   f"no key: {response.status} {text[:300]}")
    failures.check(response.headers.get("WWW-Authenticate", "").startswith("Bearer"),
                   f"no key: no Bearer challenge in {dict(response.headers)}")
    if method == "GET":  # aiohttp answers HEAD on every GET route: it is guarded too
        head = await client.head(request.path, params=request.params, headers=headers)
        failures.check(head.status == 401
                       and head.headers.get("WWW-Authenticate", "").startswith("Bearer"),
                       f"no key, HEAD: {head.status}")


async def try_revoked_key(client, world, route, failures: Failures) -> None:
    method, _ = route
    request = sample_for(route).build(world, world.first)
    response, text = await send(client, method, request,
                                headers_for(request.path, world.revoked_key, world.first.slug))
    if DECLARED[route].auth == PUBLIC_AUTH:
        failures.check(response.status == 200, f"revoked key: {response.status} {text[:300]}")
        return
    failures.check(response.status == 401 and json.loads(text).get("code") == "UNAUTHORIZED",
                   f"revoked key: {response.status} {text[:300]}")
    failures.check(response.headers.get("WWW-Authenticate", "").startswith("Bearer"),
                   f"revoked key: no Bearer challenge in {dict(response.headers)}")


async def try_other_organization(client, world, route, failures: Failures) -> None:
    method, _ = route
    sample = sample_for(route)
    request = sample.build(world, world.other)
    response, text = await send(client, method, request,
                                headers_for(request.path, world.other.key, world.other.slug))
    sent = json.dumps(request.json) + json.dumps(request.params) + request.path
    unsent_names = [n for n in world.names() if n not in sent]
    if DECLARED[route].auth == PUBLIC_AUTH:
        failures.check(response.status == 200, f"other org: {response.status} {text[:300]}")
    elif sample.kind == RESOURCE:
        failures.check(response.status == 404 and response.content_type == PROBLEM,
                       f"other org: {response.status} {text[:300]}, expected 404")
        leaked = [s for s in unsent_names if s in text]
        failures.check(not leaked, f"other org: the 404 shows {leaked}: {text[:300]}")
    else:
        failures.check(response.status == sample.ok,
                       f"other org: {response.status} {text[:300]}, expected {sample.ok}")
        leaked = [s for s in world.ids() + unsent_names if s in text]
        failures.check(not leaked, f"other org: the answer shows {leaked}: {text[:500]}")


async def try_other_key_with_first_slug(client, world, route, failures: Failures) -> None:
    method, _ = route
    request = sample_for(route).build(world, world.other)
    response, text = await send(client, method, request,
                                headers_for(request.path, world.other.key, world.first.slug))
    failures.check(response.status == 403 and json.loads(text).get("code") == "FORBIDDEN",
                   f"other key with the first slug: {response.status} {text[:300]}, "
                   "expected 403 FORBIDDEN")
    leaked = [s for s in world.names() if s in text]
    failures.check(not leaked, f"other key with the first slug: the answer shows {leaked}")


async def try_own_key(client, world, route, failures: Failures) -> None:
    method, _ = route
    sample = sample_for(route)
    request = sample.build(world, world.first)
    response, text = await send(client, method, request,
                                headers_for(request.path, world.first.key, world.first.slug))
    failures.check(response.status == sample.ok,
                   f"own key: {response.status} {text[:300]}, expected {sample.ok}")


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_a_route_serves_its_own_organization_and_refuses_everyone_else(
        client, app, world, route):
    """own key -> success; another organization -> 404 or only its own data; no key or a
    revoked key -> 401 with a challenge; public routes -> 200 for all. Nothing any
    refused caller sends changes the first organization's log."""
    sample_for(route)
    failures = Failures()
    before = await first_org_event_count(app, world)
    await try_no_key(client, world, route, failures)
    await try_revoked_key(client, world, route, failures)
    await try_other_organization(client, world, route, failures)
    if is_persons(route[1]):
        await try_other_key_with_first_slug(client, world, route, failures)
    failures.check(await first_org_event_count(app, world) == before,
                   "a refused caller wrote to the first organization's log")
    await try_own_key(client, world, route, failures)  # last: it may delete the resource
    assert not failures, f"{route[0]} {route[1]}:\n" + "\n".join(failures)


# --- the table itself ----------------------------------------------------------------------------

def test_every_route_of_the_app_has_a_sample_request(app):
    missing = [f"{m} {p}" for m, p in declared_routes() if (m, p) not in REQUESTS]
    assert not missing, f"routes without a sample request in REQUESTS: {missing}"


def test_the_public_routes_are_exactly_the_operational_ones(app):
    public = {(op.method, op.path) for op in OPERATIONS if op.auth == PUBLIC_AUTH}
    assert public == PUBLIC


# --- mixing one organization's resources with another's -------------------------------------------

async def test_a_mapping_of_the_first_organizations_field_on_the_callers_connector_is_404(
        client, app, world):
    own_connector = await _created(await client.post(
        "/api/v1/connectors", headers=world.other.headers, json={"integration_slug": "workday"}))
    before = await first_org_event_count(app, world)
    response = await client.post(F + "/mapping", headers=world.other.headers, json={
        "custom_field_id": world.hris_field,
        "connector_token": own_connector["connector_token"], "json_path": "x"})
    assert response.status == 404, await response.text()
    assert await first_org_event_count(app, world) == before


async def test_a_mapping_of_the_callers_field_on_the_first_organizations_connector_is_404(
        client, world):
    own = await _created(await client.post(F, headers=world.other.headers, json={
        "name": "own_field", **EMPLOYEE}))
    response = await client.post(F + "/mapping", headers=world.other.headers, json={
        "custom_field_id": own["id"], "connector_token": world.first.connector_token,
        "json_path": "x"})
    text = await response.text()
    assert response.status == 404, text
    assert json.loads(text)["code"] == "CONNECTOR_NOT_FOUND"
    configuration = await client.get(F + "/configuration", headers=world.other.headers, params={
        "connector_token": world.other.connector_token, **EMPLOYEE})
    assert (await configuration.json())["fields"][0]["json_path"] is None


async def test_a_preview_with_inline_data_never_reads_the_first_organizations_connector(
        client, world):
    response = await client.post(F + "/preview", headers=world.other.headers, json={
        **EMPLOYEE, "json_path": JSON_PATH, "connector_token": world.first.connector_token,
        "raw_data": {"quokkaBadge": {"code": "mine"}}})
    text = await response.text()
    assert SYNCED_VALUE not in text
    assert response.status in (200, 404), text
