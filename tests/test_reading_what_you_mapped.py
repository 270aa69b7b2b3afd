"""Reading what you mapped: preview against one synced row and checked against a field's
type, values filtered by row and by field with each field's id and mapping source, and
connectors that can be read, renamed and deleted (their mappings and rows with them)."""

import json

import pytest

from service.commands.tenancy import DisableIntegration
from service.errors import IntegrationInUse
from tests.answers import answer, problem
from tests.conftest import event_count, run
from tests.processes import cli_json, run_cli

F = "/api/v1/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}


async def sync(client, tenant, rows: dict, token: str | None = None):
    return await answer(await client.post(
        f"/api/v1/connectors/{token or tenant.connector_token}/sync", headers=tenant.headers,
        json={**EMPLOYEE, "records": [{"remote_id": k, "data": v} for k, v in rows.items()]}))


async def field(client, tenant, name: str, **body) -> str:
    return (await answer(await client.post(F, headers=tenant.headers,
                                           json={"name": name, **EMPLOYEE, **body}), 201))["id"]


async def mapping(client, tenant, field_id: str, json_path: str, **scope) -> str:
    scope = scope or {"integration_slug": "workday"}
    return (await answer(await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": field_id, "json_path": json_path, **scope}), 201))["id"]


def preview(client, tenant, **body):
    return client.post(f"{F}/preview", headers=tenant.headers, json={**EMPLOYEE, **body})


# --- preview ---------------------------------------------------------------------------------

async def test_preview_evaluates_against_the_synced_row_named(client, tenant):
    await sync(client, tenant, {"a": {"age": "41"}, "b": {"age": "oops"}})
    for remote_id, value in (("a", "41"), ("b", "oops")):
        body = await answer(await preview(client, tenant, json_path="data.employee.age",
                                          connector_token=tenant.connector_token,
                                          remote_id=remote_id))
        assert (body["resolved_value"], body["raw_data_source"]) == (value, "connector_sync")
    await problem(await preview(client, tenant, json_path="data", remote_id="zzz",
                                connector_token=tenant.connector_token), 404,
                  "RECORD_NOT_FOUND")
    body = await problem(await preview(client, tenant, json_path="data", remote_id="a",
                                       integration_slug="workday"), 422, "VALIDATION_ERROR")
    assert "remote_id" in body["errors"]


async def test_preview_checks_the_value_against_the_fields_type(client, tenant):
    age = await field(client, tenant, "age", type="number")
    skills = await field(client, tenant, "skills", type="multiselect",
                         options=[{"value": "Go"}])
    await sync(client, tenant, {"a": {"age": "41", "skills": ["go", "Rust"]}})
    scope = {"connector_token": tenant.connector_token, "remote_id": "a"}
    ok = await answer(await preview(client, tenant, json_path="data.employee.age",
                                    custom_field_id=age, **scope))
    assert ok["type_check"] == {"ok": True, "code": None, "value": 41}
    bad = await answer(await preview(client, tenant, json_path="data.employee.skills",
                                     custom_field_id=skills, **scope))
    assert (bad["type_check"]["ok"], bad["type_check"]["code"], bad["type_check"]["value"]) \
        == (False, "UNKNOWN_OPTION", None)
    plain = await answer(await preview(client, tenant, json_path="data.employee.age", **scope))
    assert "type_check" not in plain
    await problem(await preview(client, tenant, json_path="a", custom_field_id="nope",
                                **scope), 404, "NOT_FOUND")
    other_model = await answer(await client.post(F, headers=tenant.headers, json={
        "name": "budget", "category": "HRIS", "model": "department"}), 201)
    body = await problem(await preview(client, tenant, json_path="a",
                                       custom_field_id=other_model["id"], **scope), 422,
                         "VALIDATION_ERROR")
    assert "custom_field_id" in body["errors"]


# --- values ----------------------------------------------------------------------------------

async def test_values_filter_by_row_and_field_and_list_each_fields_id_and_source(
        client, tenant):
    name = await field(client, tenant, "name")
    age = await field(client, tenant, "age", type="number")
    unmapped = await field(client, tenant, "unmapped")
    await mapping(client, tenant, name, "data.employee.name")
    await mapping(client, tenant, age, "data.employee.age",
                  connector_token=tenant.connector_token)
    await sync(client, tenant, {"a": {"name": "Ada", "age": 36}, "b": {"name": None},
                                "c": {"name": "Cy"}})
    params = {"connector_token": tenant.connector_token, **EMPLOYEE}
    body = await answer(await client.get(
        f"{F}/values?remote_id=a&remote_id=b", headers=tenant.headers, params=params))
    assert [r["remote_id"] for r in body["records"]] == ["a", "b"]
    a, b = body["records"]
    assert a["fields"] == [
        {"custom_field_id": name, "name": "name", "value": "Ada", "found": True,
         "source": "organization", "error": None},
        {"custom_field_id": age, "name": "age", "value": 36, "found": True,
         "source": "connector", "error": None},
        {"custom_field_id": unmapped, "name": "unmapped", "value": None, "found": False,
         "source": None, "error": None}]
    # "mapped, null" differs from "unmapped"
    assert [(f["name"], f["value"], f["source"]) for f in b["fields"]] == [
        ("name", None, "organization"), ("age", None, "connector"), ("unmapped", None, None)]
    only = await answer(await client.get(
        f"{F}/values?custom_field_id={age}&custom_field_id={name}", headers=tenant.headers,
        params=params))
    assert [[f["name"] for f in r["fields"]] for r in only["records"]] == [["name", "age"]] * 3
    assert only["records"][0]["values"] == {"name": "Ada", "age": 36}
    body = await problem(await client.get(f"{F}/values?custom_field_id=nope",
                                          headers=tenant.headers, params=params), 422,
                         "VALIDATION_ERROR")
    assert "custom_field_id" in body["errors"]


async def test_a_rename_keeps_the_fields_id_in_values(client, tenant):
    name = await field(client, tenant, "name")
    await mapping(client, tenant, name, "data.employee.name")
    await sync(client, tenant, {"a": {"name": "Ada"}})
    await answer(await client.patch(f"{F}/{name}", headers=tenant.headers,
                                    json={"name": "full_name"}))
    body = await answer(await client.get(f"{F}/values", headers=tenant.headers, params={
        "connector_token": tenant.connector_token, **EMPLOYEE}))
    [entry] = body["records"][0]["fields"]
    assert (entry["custom_field_id"], entry["name"], entry["value"]) == (name, "full_name",
                                                                         "Ada")


# --- connectors ------------------------------------------------------------------------------

async def test_a_connector_is_read_renamed_and_deleted_with_its_mappings_and_rows(
        client, app, tenant):
    path = f"/api/v1/connectors/{tenant.connector_token}"
    got = await client.get(path, headers=tenant.headers)
    body = await answer(got)
    assert (body["connector_token"], body["integration_slug"]) == (tenant.connector_token,
                                                                  "workday")
    tag = got.headers["ETag"]
    renamed = await client.patch(path, headers=tenant.headers, json={"name": "  EU tenant "})
    assert (await answer(renamed))["name"] == "EU tenant"
    assert renamed.headers["ETag"] != tag
    await problem(await client.patch(path, headers={**tenant.headers, "If-Match": tag},
                                     json={"name": "stale"}), 412, "PRECONDITION_FAILED")
    await problem(await client.patch(path, headers=tenant.headers, json={"name": "  "}), 422,
                  "VALIDATION_ERROR")

    name = await field(client, tenant, "name")
    own = await mapping(client, tenant, name, "data.employee.n",
                        connector_token=tenant.connector_token)
    shared = await mapping(client, tenant, name, "data.employee.name")
    await sync(client, tenant, {"a": {"name": "Ada"}})
    before = await event_count(app, tenant.id)
    await answer(await client.delete(path, headers=tenant.headers))
    events = (await answer(await client.get("/api/v1/events", headers=tenant.headers, params={
        "order": "desc", "limit": 2})))["events"]
    assert [e["type"] for e in events] == ["ConnectorDeleted", "MappingDeleted"]
    assert events[1]["data"]["mapping_id"] == own and await event_count(app, tenant.id) == \
        before + 2
    await problem(await client.get(path, headers=tenant.headers), 404, "CONNECTOR_NOT_FOUND")
    [left] = (await answer(await client.get(f"{F}/{name}", headers=tenant.headers)))["mappings"]
    assert left["id"] == shared
    listed = await answer(await client.get("/api/v1/connectors", headers=tenant.headers))
    assert tenant.connector_token not in json.dumps(listed)
    # the rows went with it: a new connector starts empty
    fresh = await answer(await client.post("/api/v1/connectors", headers=tenant.headers,
                                           json={"integration_slug": "workday"}), 201)
    raw = await client.get(f"{F}/raw-data", headers=tenant.headers, params={
        **EMPLOYEE, "connector_token": fresh["connector_token"]})
    assert raw.headers["X-Raw-Data-Source"] == "integration_sample"


async def test_another_organizations_connector_is_404_to_read_rename_and_delete(
        client, tenant, other_tenant):
    path = f"/api/v1/connectors/{tenant.connector_token}"
    for method, body in (("GET", None), ("PATCH", {"name": "mine"}), ("DELETE", None)):
        await problem(await client.request(method, path, headers=other_tenant.headers,
                                           json=body), 404, "CONNECTOR_NOT_FOUND")
    assert (await answer(await client.get(path, headers=tenant.headers)))["name"] != "mine"


def test_an_integration_is_disabled_only_once_no_mapping_uses_it(tmp_path):
    db = str(tmp_path / "disable.db")
    cli_json(db, "org", "create", "--slug", "acme", "--name", "Acme")
    cli_json(db, "integration", "enable", "--org", "acme", "workday", "hibob")
    assert cli_json(db, "integration", "disable", "--org", "acme", "hibob")["integrations"] \
        == ["workday"]
    again = cli_json(db, "integration", "disable", "--org", "acme", "hibob")
    assert again["integrations"] == ["workday"]
    unknown = run_cli(db, "integration", "disable", "--org", "acme", "nope")
    assert unknown.returncode == 1 and "unknown integration" in unknown.stderr


async def test_disabling_an_integration_is_refused_while_a_mapping_uses_it(
        client, app, tenant):
    name = await field(client, tenant, "name")
    shared = await mapping(client, tenant, name, "data.employee.name")
    own = await mapping(client, tenant, name, "data.employee.n",
                        connector_token=tenant.connector_token)
    for remaining in (shared, own):
        with pytest.raises(IntegrationInUse):
            await run(app, DisableIntegration(tenant.slug, "workday"))
        await answer(await client.delete(f"{F}/mapping/{remaining}", headers=tenant.headers))
    await run(app, DisableIntegration(tenant.slug, "workday"))
    # its connector stays, and takes no new mapping until the integration is enabled again
    refused = await problem(await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": name, "connector_token": tenant.connector_token,
        "json_path": "a"}), 422, "INTEGRATION_NOT_ENABLED")
    assert list(refused["errors"]) == ["connector_token"], refused  # what the request named
    models = await answer(await client.get("/api/v1/lookup/integrations",
                                           headers=tenant.headers))
    assert "workday" not in [i["slug"] for i in models["integrations"]]
