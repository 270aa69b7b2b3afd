"""Every bound of DESIGN section 6: its default in `Settings`, the setting that changes it
(an app built with a small value), and the clear 4xx past it, through HTTP.

Bounds: body size, JSON nesting depth, string length (plus the schema bounds on names,
descriptions and option values), expression length, page size, records per sync and
bytes per record. `Settings.from_env` reads each as `CUSTOM_FIELDS_<NAME>`.
"""

import gzip
import itertools
import json
import re
from dataclasses import fields as dataclass_fields

import pytest

from service.apis import OPERATIONS, declared_routes
from service.app import create_app
from service.openapi import build_spec
from service.settings import Settings
from tests.answers import problem
from tests.conftest import event_count, make_tenant
from tests.webhook_receiver import seeded_webhooks

EMPLOYEE = {"category": "HRIS", "model": "employee"}
F = "/api/v1/custom-fields"
P = "/custom-fields"
DUMMY_ID = "01900000-0000-7000-8000-000000000000"

DEFAULTS = {
    "max_body_bytes": 1_048_576,
    "max_json_depth": 32,
    "max_string_length": 32_768,
    "max_expression_length": 1024,
    "max_page_size": 200,
    "default_page_size": 50,
    "max_sync_records": 1000,
    "max_record_bytes": 65_536,
}


# --- helpers ------------------------------------------------------------------------------------

async def ok(response, status: int = 200):
    text = await response.text()
    assert response.status == status, text
    return json.loads(text) if text else None


@pytest.fixture
def bounded(aiohttp_client, tmp_path):
    """`await bounded(**settings)`: a client of an app built with those settings (on a
    database of its own), with a tenant in it as `client.tenant`."""
    counter = itertools.count()

    async def make(**changes):
        settings = Settings(db=str(tmp_path / f"bounded-{next(counter)}.db"),
                            synchronous="NORMAL").with_(**changes)
        app = create_app(settings)
        client = await aiohttp_client(app)
        client.tenant = await make_tenant(app, "bounds")
        client.settings = settings
        return client
    return make


def persons(client) -> dict[str, str]:
    return client.tenant.persons_headers


async def last_seq(client) -> int:
    return await event_count(client.server.app)


def preview_body(raw_data) -> dict:
    return {**EMPLOYEE, "json_path": "a", "raw_data": raw_data}


def padded_preview(size: int) -> bytes:
    """A valid preview request of exactly `size` bytes (JSON allows trailing space)."""
    body = json.dumps(preview_body({"a": 1})).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


def nested(depth: int) -> object:
    """A JSON value of `depth` nested containers (objects and arrays, alternating)."""
    value: object = 1
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


# Every route with a JSON body, from the route table, with the path filled in.
def body_routes(app) -> list[tuple[str, str]]:
    return [(m, p) for m, p in declared_routes() if m in ("POST", "PATCH", "PUT")]


BODY_ROUTES = body_routes(create_app(Settings(db="unused-by-collection.db")))
BODY_ROUTE_IDS = [f"{m} {p}" for m, p in BODY_ROUTES]


def fill(path: str, tenant) -> str:
    path = path.replace("{connector_token}", tenant.connector_token)
    return re.sub(r"{\w+}", DUMMY_ID, path)


async def send_raw(client, method: str, path: str, body: bytes, **headers):
    return await client.request(method, fill(path, client.tenant), data=body, headers={
        **persons(client), "Content-Type": "application/json", **headers})


# --- defaults -------------------------------------------------------------------------------------

def test_every_bound_has_its_documented_default():
    settings = Settings()
    assert {name: getattr(settings, name) for name in DEFAULTS} == DEFAULTS


def test_every_bound_is_a_setting_and_the_rate_limit_is_off_by_default():
    names = {f.name for f in dataclass_fields(Settings)}
    assert set(DEFAULTS) <= names
    assert Settings().rate_limit_per_second == 0
    assert Settings().idempotency_ttl_hours == 24


# --- every route that reads a body: size, depth and string bounds ---------------------------------

@pytest.mark.parametrize("route", BODY_ROUTES, ids=BODY_ROUTE_IDS)
async def test_every_route_that_reads_a_body_enforces_the_size_depth_and_string_bounds(
        bounded, route):
    """413 PAYLOAD_TOO_LARGE past max_body_bytes, 400 JSON_TOO_DEEP past max_json_depth,
    400 STRING_TOO_LONG for a value or a key past max_string_length; nothing written."""
    client = await bounded(max_body_bytes=512, max_json_depth=4, max_string_length=64)
    before = await last_seq(client)
    long = "s" * 65
    refused = [
        (b'{"pad": "' + b"x" * 600 + b'"}', 413, "PAYLOAD_TOO_LARGE"),
        # the outer object is level 1, so four more containers make five levels
        (json.dumps({"deep": nested(4)}).encode(), 400, "JSON_TOO_DEEP"),
        (json.dumps({"name": long}).encode(), 400, "STRING_TOO_LONG"),
        (json.dumps({long: 1}).encode(), 400, "STRING_TOO_LONG"),
        (json.dumps({"a": [{"b": long}]}).encode(), 400, "STRING_TOO_LONG"),
    ]
    for body, status, code in refused:
        await problem(await send_raw(client, *route, body), status, code)
    assert await last_seq(client) == before


# --- body size ------------------------------------------------------------------------------------

async def test_a_body_of_exactly_max_body_bytes_is_read_and_one_byte_more_is_not(bounded):
    client = await bounded(max_body_bytes=512)
    await ok(await send_raw(client, "POST", F + "/preview", padded_preview(512)))
    await problem(await send_raw(client, "POST", F + "/preview", padded_preview(513)),
                  413, "PAYLOAD_TOO_LARGE")


async def test_a_compressed_body_is_bounded_by_its_decompressed_size(bounded):
    client = await bounded(max_body_bytes=4096)
    bomb = gzip.compress(padded_preview(100_000))
    assert len(bomb) < 4096
    response = await send_raw(client, "POST", F + "/preview", bomb, **{"Content-Encoding": "gzip"})
    await problem(response, 413, "PAYLOAD_TOO_LARGE")


async def test_a_chunked_body_without_a_length_is_bounded_too(bounded):
    client = await bounded(max_body_bytes=512)

    async def chunks():
        for _ in range(20):
            yield b" " * 100

    response = await client.post(F + "/preview", data=chunks(), headers={
        **client.tenant.headers, "Content-Type": "application/json"})
    await problem(response, 413, "PAYLOAD_TOO_LARGE")


# --- JSON nesting depth ---------------------------------------------------------------------------

async def test_json_exactly_max_json_depth_deep_is_accepted(bounded):
    client = await bounded(max_json_depth=4)
    # the body (1) > raw_data (2..4): four levels
    await ok(await client.post(F + "/preview", headers=client.tenant.headers,
                               json=preview_body(nested(3))))
    await problem(await client.post(F + "/preview", headers=client.tenant.headers,
                                    json=preview_body(nested(4))), 400, "JSON_TOO_DEEP")


async def test_a_synced_record_deeper_than_max_json_depth_is_400_and_writes_nothing(bounded):
    client = await bounded(max_json_depth=6)
    before = await last_seq(client)
    # body (1) > records (2) > record (3) > data (4) > three more levels = 7
    response = await client.post(
        f"/api/v1/connectors/{client.tenant.connector_token}/sync", headers=client.tenant.headers,
        json={**EMPLOYEE, "records": [{"remote_id": "r1", "data": {"k": nested(3)}}]})
    await problem(response, 400, "JSON_TOO_DEEP")
    assert await last_seq(client) == before


# --- string length --------------------------------------------------------------------------------

async def test_a_string_of_exactly_max_string_length_is_accepted(bounded):
    client = await bounded(max_string_length=64)
    exact = "s" * 64
    body = await ok(await client.post(F + "/preview", headers=client.tenant.headers,
                                      json=preview_body({"a": exact, exact: 1})))
    assert body["resolved_value"] == exact
    response = await client.post(F + "/preview", headers=client.tenant.headers,
                                 json=preview_body({"a": exact + "s"}))
    await problem(response, 400, "STRING_TOO_LONG")


async def test_max_string_length_applies_before_the_schema_bounds(bounded):
    """A description the schema would take (<= 2000) is refused past a smaller setting."""
    client = await bounded(max_string_length=100)
    response = await client.post(F, headers=client.tenant.headers,
                                 json={"name": "notes", **EMPLOYEE, "description": "d" * 101})
    await problem(response, 400, "STRING_TOO_LONG")


# The schema bounds, on the default app: name 128, description 2000, option value 255.

async def v1_create(client, tenant, **body):
    return await client.post(F, headers=tenant.headers, json={"name": "notes", **EMPLOYEE,
                                                              **body})


async def test_a_v1_name_over_128_characters_is_422_and_128_is_accepted(client, tenant):
    body = await problem(await v1_create(client, tenant, name="n" * 129), 422, "VALIDATION_ERROR")
    assert "name" in body["errors"]
    await ok(await v1_create(client, tenant, name="n" * 128), 201)


async def test_a_persons_name_over_128_characters_is_422_and_128_is_accepted(client, tenant):
    response = await client.post(P, headers=tenant.persons_headers, json={"name": "N" * 129})
    assert "name" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]
    created = await ok(await client.post(P, headers=tenant.persons_headers,
                                         json={"name": "  " + "N" * 128 + "  "}), 201)
    assert created["name"] == "N" * 128
    response = await client.patch(f"{P}/{created['id']}", headers=tenant.persons_headers,
                                  json={"name": "M" * 129})
    assert "name" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]


async def test_a_description_over_2000_characters_is_422_in_both_apis(client, tenant):
    body = await problem(await v1_create(client, tenant, description="d" * 2001), 422,
                         "VALIDATION_ERROR")
    assert "description" in body["errors"]
    await ok(await v1_create(client, tenant, description="d" * 2000), 201)

    response = await client.post(P, headers=tenant.persons_headers,
                                 json={"name": "Notes", "description": "d" * 2001})
    assert "description" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]
    created = await ok(await client.post(P, headers=tenant.persons_headers,
                                         json={"name": "Notes", "description": "d" * 2000}), 201)
    response = await client.patch(f"{P}/{created['id']}", headers=tenant.persons_headers,
                                  json={"description": "e" * 2001})
    assert "description" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]


async def test_an_option_value_over_255_characters_is_422_everywhere_options_are_written(
        client, tenant):
    long, exact = "v" * 256, "v" * 255
    body = await problem(await v1_create(client, tenant, type="multiselect",
                                         options=[{"value": long}]), 422, "VALIDATION_ERROR")
    assert "options" in body["errors"]
    await ok(await v1_create(client, tenant, type="multiselect", options=[{"value": exact}]), 201)

    headers = tenant.persons_headers
    response = await client.post(P, headers=headers, json={
        "name": "Tags", "type": "multiselect", "options": [{"value": long}]})
    assert "options" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]
    field = await ok(await client.post(P, headers=headers, json={
        "name": "Tags", "type": "multiselect", "options": [{"value": " " + exact + " "}]}), 201)
    assert field["options"][0]["value"] == exact

    response = await client.post(f"{P}/{field['id']}/options", headers=headers,
                                 json={"value": long})
    assert "value" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]
    option = field["options"][0]["id"]
    response = await client.patch(f"{P}/{field['id']}/options/{option}", headers=headers,
                                  json={"value": "w" * 256})
    assert "value" in (await problem(response, 422, "VALIDATION_ERROR"))["errors"]


# --- expression length ----------------------------------------------------------------------------

async def test_an_expression_longer_than_max_expression_length_is_422_on_preview_and_mappings(
        bounded):
    client = await bounded(max_expression_length=16)
    headers, exact, long = client.tenant.headers, "a" * 16, "a" * 17
    before = await last_seq(client)

    response = await client.post(F + "/preview", headers=headers, json={
        **EMPLOYEE, "json_path": long, "raw_data": {}})
    assert "json_path" in (await problem(response, 422, "EXPRESSION_TOO_LONG"))["errors"]
    field = await ok(await v1_create(client, client.tenant), 201)
    after_field = await last_seq(client)
    response = await client.post(F + "/mapping", headers=headers, json={
        "custom_field_id": field["id"], "integration_slug": "workday", "json_path": long})
    await problem(response, 422, "EXPRESSION_TOO_LONG")
    assert await last_seq(client) == after_field > before

    answer = await ok(await client.post(F + "/preview", headers=headers, json={
        **EMPLOYEE, "json_path": exact, "raw_data": {exact: 7}}))
    assert answer["resolved_value"] == 7
    mapping = await ok(await client.post(F + "/mapping", headers=headers, json={
        "custom_field_id": field["id"], "integration_slug": "workday", "json_path": exact}), 201)
    response = await client.patch(f"{F}/mapping/{mapping['id']}", headers=headers,
                                  json={"json_path": long})
    await problem(response, 422, "EXPRESSION_TOO_LONG")
    stored = await ok(await client.get(f"{F}/{field['id']}", headers=headers))
    assert [m["json_path"] for m in stored["mappings"]] == [exact]


async def test_the_default_expression_bound_is_1024_characters(client, tenant):
    at, over = "a" * 1024, "a" * 1025
    await ok(await client.post(F + "/preview", headers=tenant.headers,
                               json={**EMPLOYEE, "json_path": at, "raw_data": {}}))
    await problem(await client.post(F + "/preview", headers=tenant.headers,
                                    json={**EMPLOYEE, "json_path": over, "raw_data": {}}),
                  422, "EXPRESSION_TOO_LONG")


# --- page size ------------------------------------------------------------------------------------

def documented_page_routes(app) -> list[str]:
    """GET routes whose OpenAPI document offers a `limit` query parameter."""
    spec = build_spec(OPERATIONS)
    return sorted(path for path, operations in spec["paths"].items()
                  for method, operation in operations.items()
                  if method == "get" and any(p["in"] == "query" and p["name"] == "limit"
                                             for p in operation["parameters"]))


PAGE_ROUTES = documented_page_routes(create_app(Settings(db="unused-by-collection.db")))


async def paged_world(client) -> dict[str, dict[str, str]]:
    """Three of everything each list shows; the query each list needs, by route."""
    tenant, headers = client.tenant, client.tenant.headers
    field_ids = []
    for name in ("alpha", "beta", "gamma"):
        field_ids.append((await ok(await v1_create(client, tenant, name=name), 201))["id"])
    for name in ("one", "two"):  # with the fixture's connector: three
        await ok(await client.post("/api/v1/connectors", headers=headers,
                                   json={"integration_slug": "workday", "name": name}), 201)
    await ok(await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                               headers=headers, json={**EMPLOYEE, "records": [
                                   {"remote_id": f"r{i}", "data": {"i": i}} for i in range(3)]}))
    # the first field's history: FieldCreated, MappingCreated, MappingUpdated
    mapping = await ok(await client.post(F + "/mapping", headers=headers, json={
        "custom_field_id": field_ids[0], "integration_slug": "bamboohr", "json_path": "a"}), 201)
    await ok(await client.patch(f"{F}/mapping/{mapping['id']}", headers=headers,
                                json={"json_path": "b"}))
    connector = {"connector_token": tenant.connector_token, **EMPLOYEE}
    webhooks = await seeded_webhooks(client, tenant)
    return {
        "/api/v1/webhooks": {},
        "/api/v1/webhooks/{webhook_id}/deliveries": {
            "path": f"/api/v1/webhooks/{webhooks[0]}/deliveries"},
        F: {},
        "/api/v1/connectors": {},
        "/api/v1/events": {},
        F + "/{field_id}/history": {"path": f"{F}/{field_ids[0]}/history"},
        F + "/values": connector,
    }


LIST_KEYS = {F: "custom_fields", "/api/v1/connectors": "connectors", "/api/v1/events": "events",
             F + "/{field_id}/history": "history", F + "/values": "records",
             "/api/v1/webhooks": "webhooks",
             "/api/v1/webhooks/{webhook_id}/deliveries": "deliveries"}

@pytest.mark.parametrize("route", PAGE_ROUTES, ids=PAGE_ROUTES)
async def test_every_list_that_takes_a_limit_refuses_one_over_max_page_size(bounded, route):
    if route not in LIST_KEYS:
        pytest.fail(f"{route} takes a limit but has no sample in LIST_KEYS/paged_world")
    client = await bounded(max_page_size=3, default_page_size=2)
    query = dict((await paged_world(client))[route])
    path = query.pop("path", route)
    response = await client.get(path, headers=client.tenant.headers, params={**query, "limit": "4"})
    body = await problem(response, 422, "PAGE_SIZE_TOO_LARGE")
    assert "limit" in body["errors"]

    at_max = await ok(await client.get(path, headers=client.tenant.headers,
                                       params={**query, "limit": "3"}))
    assert len(at_max[LIST_KEYS[route]]) == 3
    by_default = await ok(await client.get(path, headers=client.tenant.headers, params=query))
    assert len(by_default[LIST_KEYS[route]]) == 2, "default_page_size applies without a limit"
    assert by_default["next_cursor"]


def test_the_lists_with_a_limit_are_the_paginated_ones():
    assert set(PAGE_ROUTES) == {
        F, "/api/v1/connectors", "/api/v1/events", F + "/{field_id}/history", F + "/values",
        "/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}/deliveries"}


async def test_a_page_without_a_limit_never_exceeds_max_page_size(bounded):
    client = await bounded(max_page_size=3)
    for n in range(5):
        await ok(await v1_create(client, client.tenant, name=f"field_{n}"), 201)
    body = await ok(await client.get(F, headers=client.tenant.headers))
    assert len(body["custom_fields"]) <= 3
    assert body["next_cursor"]


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5"])
async def test_a_limit_that_is_not_a_positive_integer_is_422(client, tenant, limit):
    response = await client.get(F, headers=tenant.headers, params={"limit": limit})
    body = await problem(response, 422, "VALIDATION_ERROR")
    assert "limit" in body["errors"]


async def test_the_default_page_bound_is_200(client, tenant):
    for path in (F, "/api/v1/connectors", "/api/v1/events"):
        await ok(await client.get(path, headers=tenant.headers, params={"limit": "200"}))
        await problem(await client.get(path, headers=tenant.headers, params={"limit": "201"}),
                      422, "PAGE_SIZE_TOO_LARGE")


# --- records per sync, bytes per record -----------------------------------------------------------

def sync_path(client) -> str:
    return f"/api/v1/connectors/{client.tenant.connector_token}/sync"


async def synced_count(client) -> int:
    body = await ok(await client.get(F + "/values", headers=client.tenant.headers, params={
        "connector_token": client.tenant.connector_token, **EMPLOYEE}))
    return len(body["records"])


async def test_more_than_max_sync_records_is_413_too_many_records_and_writes_nothing(bounded):
    client = await bounded(max_sync_records=3)
    before = await last_seq(client)
    records = [{"remote_id": f"r{i}", "data": {"i": i}} for i in range(4)]
    response = await client.post(sync_path(client), headers=client.tenant.headers,
                                 json={**EMPLOYEE, "records": records})
    await problem(response, 413, "TOO_MANY_RECORDS")
    assert await last_seq(client) == before
    assert await synced_count(client) == 0

    answer = await ok(await client.post(sync_path(client), headers=client.tenant.headers,
                                        json={**EMPLOYEE, "records": records[:3]}))
    assert answer["inserted"] == 3


def record_of(size: int) -> dict:
    """Data whose compact JSON is exactly `size` (ASCII) bytes."""
    data = {"p": ""}
    data["p"] = "x" * (size - len(json.dumps(data, separators=(",", ":"))))
    assert len(json.dumps(data, separators=(",", ":")).encode()) == size
    return data


async def test_a_record_over_max_record_bytes_is_413_record_too_large_and_writes_nothing(
        bounded):
    client = await bounded(max_record_bytes=64)
    before = await last_seq(client)
    response = await client.post(sync_path(client), headers=client.tenant.headers, json={
        **EMPLOYEE, "records": [{"remote_id": "fits", "data": record_of(64)},
                                {"remote_id": "big", "data": record_of(65)}]})
    body = await problem(response, 413, "RECORD_TOO_LARGE")
    assert "big" in body["detail"]
    assert await last_seq(client) == before
    assert await synced_count(client) == 0

    answer = await ok(await client.post(sync_path(client), headers=client.tenant.headers, json={
        **EMPLOYEE, "records": [{"remote_id": "fits", "data": record_of(64)}]}))
    assert answer["inserted"] == 1


# --- the environment ------------------------------------------------------------------------------

ENVIRONMENT = {
    "max_body_bytes": ("2048", 2048),
    "max_json_depth": ("7", 7),
    "max_string_length": ("99", 99),
    "max_expression_length": ("33", 33),
    "max_page_size": ("12", 12),
    "default_page_size": ("5", 5),
    "max_sync_records": ("44", 44),
    "max_record_bytes": ("555", 555),
    "rate_limit_per_second": ("2.5", 2.5),
    "rate_limit_burst": ("3", 3),
    "idempotency_ttl_hours": ("6", 6),
}


def test_from_env_reads_every_bound_from_custom_fields_variables(monkeypatch):
    for name, (raw, _) in ENVIRONMENT.items():
        monkeypatch.setenv(f"CUSTOM_FIELDS_{name.upper()}", raw)
    monkeypatch.setenv("CUSTOM_FIELDS_DB", "/tmp/somewhere/else.db")
    settings = Settings.from_env()
    for name, (_, value) in ENVIRONMENT.items():
        assert getattr(settings, name) == value, name
        assert type(getattr(settings, name)) is type(value), name
    assert settings.db == "/tmp/somewhere/else.db"


def test_from_env_keeps_the_defaults_without_variables_and_overrides_win(monkeypatch):
    for f in dataclass_fields(Settings):
        monkeypatch.delenv(f"CUSTOM_FIELDS_{f.name.upper()}", raising=False)
    assert Settings.from_env() == Settings()
    monkeypatch.setenv("CUSTOM_FIELDS_MAX_PAGE_SIZE", "12")
    assert Settings.from_env(max_page_size=7).max_page_size == 7
    assert Settings.from_env(max_page_size=None).max_page_size == 12


async def test_an_app_built_without_settings_takes_its_bounds_from_the_environment(
        aiohttp_client, tmp_path, monkeypatch):
    monkeypatch.setenv("CUSTOM_FIELDS_DB", str(tmp_path / "from-env.db"))
    monkeypatch.setenv("CUSTOM_FIELDS_SYNCHRONOUS", "NORMAL")
    monkeypatch.setenv("CUSTOM_FIELDS_MAX_PAGE_SIZE", "3")
    monkeypatch.setenv("CUSTOM_FIELDS_MAX_EXPRESSION_LENGTH", "8")
    app = create_app()
    client = await aiohttp_client(app)
    tenant = await make_tenant(app, "from-env")
    await problem(await client.get(F, headers=tenant.headers, params={"limit": "4"}),
                  422, "PAGE_SIZE_TOO_LARGE")
    await problem(await client.post(F + "/preview", headers=tenant.headers, json={
        **EMPLOYEE, "json_path": "a" * 9, "raw_data": {}}), 422, "EXPRESSION_TOO_LONG")
    assert (tmp_path / "from-env.db").exists()
