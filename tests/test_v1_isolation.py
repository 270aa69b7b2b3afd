"""Organizations are isolated on every v1 route.

The routes and their success status come from the route declarations
(`service.apis.OPERATIONS`), so a route added later is covered (or this suite fails
until it is given a sample request). For each (method, path) the table SAMPLES holds
one or more requests that succeed for the owner of the resources involved. The other
organization sends the same request first and must get a 404 for the owner's fields,
mappings and connectors, or (on list, lookup and own-scoped routes) an answer that shows
none of the owner's data; the owner's state must be unchanged by it; then the owner
sends it and succeeds.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from service.apis import OPERATIONS

OWNER, OTHER = "owner", "other"
# Strings that only the owner's data contains: names, descriptions, paths, synced values.
OWNER_MARKERS = ("acme_secret", "acme-secret", "Acme Secret")


DECLARED = {(op.method, op.path): op for op in OPERATIONS if op.path.startswith("/api/v1")}
V1_ROUTES = sorted(DECLARED)


@dataclass
class World:
    """Two organizations, each with a field, mappings, connectors and synced rows."""

    tenants: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)        # caller -> a mapped field
    spare_fields: dict[str, str] = field(default_factory=dict)  # caller -> an unmapped field
    choices: dict[str, str] = field(default_factory=dict)       # caller -> a multiselect
    options: dict[str, list[str]] = field(default_factory=dict)  # caller -> its options
    mappings: dict[str, str] = field(default_factory=dict)      # caller -> a mapping
    tokens: dict[str, str] = field(default_factory=dict)        # caller -> a connector token
    webhooks: dict[str, str] = field(default_factory=dict)      # caller -> a subscription
    owner_ids: set[str] = field(default_factory=set)  # every id and token of the owner

    @property
    def owner(self):
        return self.tenants[OWNER]


@dataclass(frozen=True)
class Sample:
    """A request built for a caller; `owned` is True when it names the owner's resources
    (the other organization must get 404), False when it is scoped to the caller."""

    build: Callable[[World, str], dict[str, Any]]
    owned: bool


def get(path: str | Callable[[World, str], str],
        params: Callable[[World, str], dict] | None = None):
    def build(world: World, caller: str) -> dict[str, Any]:
        url = path(world, caller) if callable(path) else path
        return {"method": "GET", "path": url,
                "params": params(world, caller) if params else {}}
    return build


def send(method: str, path: str | Callable[[World, str], str],
         body: Callable[[World, str], dict] | None = None):
    def build(world: World, caller: str) -> dict[str, Any]:
        url = path(world, caller) if callable(path) else path
        return {"method": method, "path": url, "json": body(world, caller) if body else None}
    return build


def owner_field(world, caller):
    return f"/api/v1/custom-fields/{world.fields[OWNER]}"


def owner_options(world, caller):
    return f"/api/v1/custom-fields/{world.choices[OWNER]}/options"


def owner_option(world, caller):
    return f"{owner_options(world, caller)}/{world.options[OWNER][0]}"


def owner_mapping(world, caller):
    return f"/api/v1/custom-fields/mapping/{world.mappings[OWNER]}"


def employee(**extra):
    return lambda world, caller: {"category": "HRIS", "model": "employee",
                                  **{k: v(world, caller) if callable(v) else v
                                     for k, v in extra.items()}}


# a public address literal (private ones need the setting), subscribed to an event no
# request of this suite writes: no delivery is ever tried
WEBHOOK = {"url": "https://1.1.1.1/hooks", "events": ["integration.disabled"]}


def owner_webhook(world, caller):
    return f"/api/v1/webhooks/{world.webhooks[OWNER]}"


def owner_token(world, caller):
    return world.tokens[OWNER]


def own_token(world, caller):
    return world.tokens[caller]


SAMPLES: dict[tuple[str, str], list[Sample]] = {
    ("GET", "/api/v1/lookup/models"): [
        Sample(get("/api/v1/lookup/models", lambda w, c: {"category": "HRIS"}), owned=False),
        Sample(get("/api/v1/lookup/models"), owned=False)],
    ("GET", "/api/v1/lookup/integrations"): [
        Sample(get("/api/v1/lookup/integrations"), owned=False),
        Sample(get("/api/v1/lookup/integrations", lambda w, c: {"category": "HRIS"}),
               owned=False)],
    ("GET", "/api/v1/custom-fields"): [
        Sample(get("/api/v1/custom-fields"), owned=False),
        Sample(get("/api/v1/custom-fields", employee(source="API")), owned=False)],
    ("POST", "/api/v1/custom-fields"): [
        # the same name in both organizations: names are unique per organization only
        Sample(send("POST", "/api/v1/custom-fields", employee(name="shared_name")),
               owned=False)],
    ("GET", "/api/v1/custom-fields/{field_id}"): [
        Sample(get(owner_field), owned=True)],
    ("DELETE", "/api/v1/custom-fields/{field_id}"): [
        Sample(send("DELETE", owner_field), owned=True)],
    ("PATCH", "/api/v1/custom-fields/{field_id}"): [
        Sample(send("PATCH", owner_field, lambda w, c: {"description": "globex edit"}),
               owned=True)],
    ("POST", "/api/v1/custom-fields/{field_id}/options"): [
        Sample(send("POST", owner_options, lambda w, c: {"value": "globex option"}),
               owned=True)],
    ("PUT", "/api/v1/custom-fields/{field_id}/options/order"): [
        Sample(send("PUT", lambda w, c: owner_options(w, c) + "/order",
                    lambda w, c: {"option_ids": w.options[OWNER][::-1]}), owned=True)],
    ("PATCH", "/api/v1/custom-fields/{field_id}/options/{option_id}"): [
        Sample(send("PATCH", owner_option, lambda w, c: {"value": "globex renamed"}),
               owned=True)],
    ("DELETE", "/api/v1/custom-fields/{field_id}/options/{option_id}"): [
        Sample(send("DELETE", owner_option), owned=True)],
    ("GET", "/api/v1/custom-fields/{field_id}/history"): [
        Sample(get(lambda w, c: owner_field(w, c) + "/history"), owned=True)],
    ("POST", "/api/v1/custom-fields/mapping"): [
        Sample(send("POST", "/api/v1/custom-fields/mapping", lambda w, c: {
            "custom_field_id": w.fields[OWNER], "integration_slug": "bamboohr",
            "json_path": "globex.path"}), owned=True),
        # the caller's own field, mapped to the owner's connector
        Sample(send("POST", "/api/v1/custom-fields/mapping", lambda w, c: {
            "custom_field_id": w.spare_fields[c], "connector_token": w.tokens[OWNER],
            "json_path": "globex.path"}), owned=True)],
    # a bulk naming the owner's field is refused item by item (422): tests/test_bulk_mappings.py
    ("POST", "/api/v1/custom-fields/mapping/bulk"): [
        Sample(send("POST", "/api/v1/custom-fields/mapping/bulk", lambda w, c: {"mappings": [
            {"custom_field_id": w.spare_fields[c], "integration_slug": "workday",
             "json_path": "bulk.path"},
            {"custom_field_id": w.spare_fields[c], "connector_token": w.tokens[c],
             "json_path": "bulk.connector"}]}), owned=False)],
    ("GET", "/api/v1/custom-fields/export"): [
        Sample(get("/api/v1/custom-fields/export"), owned=False),
        Sample(get("/api/v1/custom-fields/export", employee()), owned=False)],
    ("POST", "/api/v1/custom-fields/import"): [
        Sample(send("POST", "/api/v1/custom-fields/import", lambda w, c: {
            "format_version": 1, "fields": [{"category": "HRIS", "model": "employee",
                                             "name": "imported_field", "mappings": [
                                                 {"connector_token": w.tokens[c],
                                                  "json_path": "imported.path"}]}]}),
               owned=False)],
    ("PATCH", "/api/v1/custom-fields/mapping/{mapping_id}"): [
        Sample(send("PATCH", owner_mapping, lambda w, c: {"json_path": "globex.hijack"}),
               owned=True)],
    ("DELETE", "/api/v1/custom-fields/mapping/{mapping_id}"): [
        Sample(send("DELETE", owner_mapping), owned=True)],
    ("GET", "/api/v1/custom-fields/raw-data"): [
        Sample(get("/api/v1/custom-fields/raw-data", employee(connector_token=owner_token)),
               owned=True),
        # the integration sample is the caller's to read; the owner's synced row is not
        Sample(get("/api/v1/custom-fields/raw-data", employee(integration_slug="workday")),
               owned=False),
        Sample(get("/api/v1/custom-fields/raw-data", employee(connector_token=own_token)),
               owned=False)],
    ("POST", "/api/v1/custom-fields/preview"): [
        Sample(send("POST", "/api/v1/custom-fields/preview",
                    employee(connector_token=owner_token, json_path="@")), owned=True),
        Sample(send("POST", "/api/v1/custom-fields/preview",
                    employee(connector_token=own_token, json_path="@")), owned=False),
        Sample(send("POST", "/api/v1/custom-fields/preview",
                    employee(integration_slug="workday", json_path="@")), owned=False)],
    ("POST", "/api/v1/custom-fields/preview/coverage"): [
        Sample(send("POST", "/api/v1/custom-fields/preview/coverage",
                    employee(connector_token=owner_token, json_path="value")), owned=True),
        Sample(send("POST", "/api/v1/custom-fields/preview/coverage",
                    employee(connector_token=own_token, json_path="value")), owned=False)],
    ("POST", "/api/v1/custom-fields/{field_id}/revert"): [
        Sample(send("POST", lambda w, c: owner_field(w, c) + "/revert",
                    lambda w, c: {"to_version": 1}), owned=True)],
    ("POST", "/api/v1/webhooks"): [
        Sample(send("POST", "/api/v1/webhooks", lambda w, c: WEBHOOK), owned=False)],
    ("GET", "/api/v1/webhooks"): [Sample(get("/api/v1/webhooks"), owned=False)],
    ("GET", "/api/v1/webhooks/{webhook_id}"): [Sample(get(owner_webhook), owned=True)],
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): [
        Sample(send("PATCH", owner_webhook, lambda w, c: {"description": "globex edit"}),
               owned=True)],
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): [
        Sample(send("DELETE", owner_webhook), owned=True)],
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): [
        Sample(get(lambda w, c: owner_webhook(w, c) + "/deliveries"), owned=True)],
    ("POST", "/api/v1/webhooks/{webhook_id}/replay"): [
        Sample(send("POST", lambda w, c: owner_webhook(w, c) + "/replay",
                    lambda w, c: {"from_seq": 1}), owned=True)],
    ("GET", "/api/v1/custom-fields/configuration"): [
        Sample(get("/api/v1/custom-fields/configuration", employee(connector_token=owner_token)),
               owned=True),
        Sample(get("/api/v1/custom-fields/configuration", employee(connector_token=own_token)),
               owned=False)],
    ("GET", "/api/v1/custom-fields/values"): [
        Sample(get("/api/v1/custom-fields/values", employee(connector_token=owner_token)),
               owned=True),
        Sample(get("/api/v1/custom-fields/values", employee(connector_token=own_token)),
               owned=False)],
    ("POST", "/api/v1/connectors"): [
        Sample(send("POST", "/api/v1/connectors",
                    lambda w, c: {"integration_slug": "workday", "name": "New connector"}),
               owned=False)],
    ("GET", "/api/v1/connectors/{connector_token}"): [
        Sample(get(lambda w, c: f"/api/v1/connectors/{w.tokens[OWNER]}"), owned=True)],
    ("PATCH", "/api/v1/connectors/{connector_token}"): [
        Sample(send("PATCH", lambda w, c: f"/api/v1/connectors/{w.tokens[OWNER]}",
                    lambda w, c: {"name": "globex took it"}), owned=True)],
    ("DELETE", "/api/v1/connectors/{connector_token}"): [
        Sample(send("DELETE", lambda w, c: f"/api/v1/connectors/{w.tokens[OWNER]}"),
               owned=True)],
    ("GET", "/api/v1/connectors"): [
        Sample(get("/api/v1/connectors"), owned=False),
        Sample(get("/api/v1/connectors", lambda w, c: {"limit": 1}), owned=False)],
    ("POST", "/api/v1/connectors/{connector_token}/sync"): [
        Sample(send("POST", lambda w, c: f"/api/v1/connectors/{w.tokens[OWNER]}/sync",
                    employee(records=[{"remote_id": "emp_9", "data": {"x": "globex"}}])),
               owned=True)],
    ("GET", "/api/v1/events"): [
        Sample(get("/api/v1/events"), owned=False),
        Sample(get("/api/v1/events", lambda w, c: {"field_id": w.fields[OWNER]}),
               owned=False)],
    ("GET", "/api/v1/openapi.json"): [
        Sample(get("/api/v1/openapi.json"), owned=False)],
}


# --- the two organizations ----------------------------------------------------------------

async def ok(response, status: int = 200):
    text = await response.text()
    assert response.status == status, text
    return json.loads(text) if text else None


async def populate(client, world: World, caller: str, prefix: str) -> None:
    """A mapped field, a spare field, an org and a connector mapping, a second connector and
    a synced row, all named with `prefix` so their data can be told apart."""
    tenant = world.tenants[caller]
    headers = tenant.headers
    world.tokens[caller] = tenant.connector_token

    async def post(path, body, status=201):
        return await ok(await client.post(path, headers=headers, json=body), status)

    field_id = (await post("/api/v1/custom-fields", {
        "name": f"{prefix}_field", "description": f"{prefix} description",
        "category": "HRIS", "model": "employee"}))["id"]
    spare_id = (await post("/api/v1/custom-fields", {
        "name": f"{prefix}_spare", "category": "HRIS", "model": "employee"}))["id"]
    mapping_id = (await post("/api/v1/custom-fields/mapping", {
        "custom_field_id": field_id, "integration_slug": "workday",
        "json_path": f"{prefix}.path"}))["id"]
    own_mapping = (await post("/api/v1/custom-fields/mapping", {
        "custom_field_id": field_id, "connector_token": tenant.connector_token,
        "json_path": f"{prefix}.connector"}))["id"]
    choice = await post("/api/v1/custom-fields", {
        "name": f"{prefix}_choice", "category": "HRIS", "model": "employee",
        "type": "multiselect", "options": [{"value": f"{prefix} one"},
                                           {"value": f"{prefix} two"}]})
    world.choices[caller] = choice["id"]
    world.options[caller] = (await ok(await client.get(
        f"/api/v1/custom-fields/{choice['id']}", headers=headers)))["options"]
    world.options[caller] = [o["id"] for o in world.options[caller]]
    connector = await post("/api/v1/connectors", {"integration_slug": "hubspot",
                                                  "name": f"{prefix} connector"})
    await post(f"/api/v1/connectors/{tenant.connector_token}/sync", {
        "category": "HRIS", "model": "employee",
        "records": [{"remote_id": f"{prefix}-row", "data": {"value": f"{prefix} value"}}]}, 200)
    world.webhooks[caller] = (await post("/api/v1/webhooks", WEBHOOK | {
        "description": f"{prefix} hook"}))["id"]
    world.fields[caller], world.spare_fields[caller] = field_id, spare_id
    world.mappings[caller] = mapping_id
    if caller == OWNER:
        world.owner_ids |= {world.webhooks[caller]}
        world.owner_ids |= {tenant.id, tenant.connector_id, tenant.connector_token, field_id,
                            spare_id, mapping_id, own_mapping, connector["id"],
                            connector["connector_token"], choice["id"],
                            *world.options[caller]}


@pytest.fixture
async def world(client, tenant, other_tenant) -> World:
    made = World(tenants={OWNER: tenant, OTHER: other_tenant})
    await populate(client, made, OWNER, "acme_secret")
    await populate(client, made, OTHER, "globex")
    return made


async def owner_state(client, world: World) -> dict[str, Any]:
    """Everything the owner can read about its data."""
    owner, token = world.owner, world.tokens[OWNER]
    scope = {"connector_token": token, "category": "HRIS", "model": "employee"}
    reads = {
        "fields": ("/api/v1/custom-fields", {}),
        "field": (f"/api/v1/custom-fields/{world.fields[OWNER]}", {}),
        "connectors": ("/api/v1/connectors", {}),
        "configuration": ("/api/v1/custom-fields/configuration", scope),
        "values": ("/api/v1/custom-fields/values", scope),
        "raw": ("/api/v1/custom-fields/raw-data", scope),
    }
    state = {name: await ok(await client.get(path, headers=owner.headers, params=params))
             for name, (path, params) in reads.items()}
    # which stored values the background pass has brought up to date yet is its progress,
    # not the owner's data (the values themselves are the same either way)
    state["values"].pop("recomputing")
    return state


def leaks(text: str, world: World, request: dict[str, Any]) -> list[str]:
    """The owner's data in an answer to the other organization (ids it sent itself aside)."""
    sent = json.dumps(request, default=str)
    return [s for s in (*OWNER_MARKERS, *world.owner_ids) if s in text and s not in sent]


# --- the tests ----------------------------------------------------------------------------

def test_every_v1_route_has_a_sample_request():
    missing = [route for route in V1_ROUTES if route not in SAMPLES]
    assert not missing, f"add a sample request to SAMPLES for: {missing}"
    assert len(V1_ROUTES) >= 16


@pytest.mark.parametrize("route", V1_ROUTES, ids=[f"{m} {p}" for m, p in V1_ROUTES])
async def test_another_organization_gets_404_or_nothing_of_the_owners(client, world, route):
    samples = SAMPLES.get(route)
    assert samples, f"no sample request for {route}; add one to SAMPLES"
    expected = DECLARED[route].status
    before = await owner_state(client, world)
    for sample in samples:
        request = sample.build(world, OTHER)
        response = await client.request(**request, headers=world.tenants[OTHER].headers)
        text = await response.text()
        if sample.owned:
            assert response.status == 404, (request, response.status, text)
            assert response.content_type == "application/problem+json"
        else:
            assert response.status == expected, (request, response.status, text)
        assert not leaks(text, world, request), (request, leaks(text, world, request), text)
    assert await owner_state(client, world) == before, "the other organization changed it"
    for sample in samples:
        request = sample.build(world, OWNER)
        response = await client.request(**request, headers=world.owner.headers)
        assert response.status == expected, (request, await response.text())


async def test_the_owners_connector_token_is_not_anyone_elses_to_sync(client, world):
    """A sync through another organization's token writes nothing anywhere."""
    other = world.tenants[OTHER]
    response = await client.post(f"/api/v1/connectors/{world.tokens[OWNER]}/sync",
                                 headers=other.headers,
                                 json={"category": "HRIS", "model": "employee",
                                       "records": [{"remote_id": "acme_secret-row",
                                                    "data": {"value": "forged"}}]})
    assert response.status == 404
    values = await ok(await client.get("/api/v1/custom-fields/values", headers=other.headers,
                                       params={"connector_token": world.tokens[OTHER],
                                               "category": "HRIS", "model": "employee"}))
    assert [r["remote_id"] for r in values["records"]] == ["globex-row"]
