"""Typed fields through the v1 API: `type`, `options` and `number_format` on create, shown
on read, and resolved values checked against the type (TYPE_MISMATCH, UNKNOWN_OPTION)."""

import pytest


def is_problem(resp, body, status, code):
    assert resp.status == status, body
    assert resp.content_type == "application/problem+json"
    assert body["code"] == code


async def v1_create(client, tenant, **body):
    body = {"category": "HRIS", "model": "employee", **body}
    resp = await client.post("/api/v1/custom-fields", json=body, headers=tenant.headers)
    data = await resp.json()
    assert resp.status == 201, data
    assert data == {"id": data["id"], "status": "SUCCESS"}
    return data["id"]


async def v1_get(client, tenant, field_id):
    resp = await client.get(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers)
    assert resp.status == 200
    return await resp.json()


async def map_field(client, tenant, field_id, json_path, **scope):
    scope = scope or {"integration_slug": "workday"}
    resp = await client.post("/api/v1/custom-fields/mapping", headers=tenant.headers,
                             json={"custom_field_id": field_id, "json_path": json_path, **scope})
    assert resp.status == 201, await resp.json()


async def sync(client, tenant, token, category, model, records):
    resp = await client.post(f"/api/v1/connectors/{token}/sync", headers=tenant.headers,
                             json={"category": category, "model": model, "records": [
                                 {"remote_id": rid, "data": data} for rid, data in records]})
    assert resp.status == 200, await resp.json()


async def values(client, tenant, token, category, model):
    resp = await client.get("/api/v1/custom-fields/values", headers=tenant.headers, params={
        "connector_token": token, "category": category, "model": model})
    body = await resp.json()
    assert resp.status == 200, body
    return {r["remote_id"]: (r["values"], r["errors"]) for r in body["records"]}


# --- create and read ----------------------------------------------------------------------------

async def test_v1_typed_create_and_read(client, tenant):
    text_id = await v1_create(client, tenant, name="nickname")
    number_id = await v1_create(client, tenant, name="bonus", type="number",
                                number_format={"format": "USD", "decimal": 2})
    multi_id = await v1_create(client, tenant, name="skills", type="multiselect", options=[
        {"value": " Python "}, {"value": "Go", "color": "#00add8"}])
    text = await v1_get(client, tenant, text_id)
    assert (text["type"], text["options"], text["number_format"]) == ("text", [], None)
    number = await v1_get(client, tenant, number_id)
    assert number["type"] == "number"
    assert number["number_format"] == {"format": "USD", "decimal": 2}
    multi = await v1_get(client, tenant, multi_id)
    assert multi["type"] == "multiselect" and multi["number_format"] is None
    assert [(o["value"], o["color"], o["order"]) for o in multi["options"]] == [
        ("Python", None, 0), ("Go", "#00ADD8", 1)]
    resp = await client.get("/api/v1/custom-fields?type=multiselect", headers=tenant.headers)
    assert [f["id"] for f in (await resp.json())["custom_fields"]] == [multi_id]
    resp = await client.get("/api/v1/custom-fields?type=currency", headers=tenant.headers)
    is_problem(resp, await resp.json(), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("extra,key", [
    ({"type": "currency"}, "type"),
    ({"options": [{"value": "a"}]}, "options"),
    ({"type": "number", "options": [{"value": "a"}]}, "options"),
    ({"number_format": {"format": "EUR"}}, "number_format"),
    ({"type": "multiselect", "number_format": {"format": "EUR"}}, "number_format"),
    ({"type": "number", "number_format": {"format": "BTC"}}, "number_format"),
    ({"type": "number", "number_format": {"format": "EUR", "decimal": -1}}, "number_format"),
    ({"type": "multiselect", "options": [{"value": ""}]}, "options"),
    ({"type": "multiselect", "options": [{"value": "v" * 256}]}, "options"),
    ({"type": "multiselect", "options": [{"value": "a", "color": "#GGGGGG"}]}, "options"),
    ({"type": "multiselect", "numberFormat": {"format": "EUR"}}, "numberFormat"),
])
async def test_v1_typed_validation(client, tenant, extra, key):
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "typed", "category": "HRIS", "model": "employee", **extra})
    body = await resp.json()
    is_problem(resp, body, 422, "VALIDATION_ERROR")
    assert key in body["errors"], body


async def test_v1_duplicate_option_and_name(client, tenant):
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "skills", "category": "HRIS", "model": "employee", "type": "multiselect",
        "options": [{"value": "Go"}, {"value": "GO "}]})
    is_problem(resp, await resp.json(), 409, "DUPLICATE_OPTION")
    await v1_create(client, tenant, name="skills", type="multiselect")
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "skills", "category": "HRIS", "model": "employee"})
    is_problem(resp, await resp.json(), 409, "DUPLICATE_NAME")


async def test_v1_still_requires_snake_case(client, tenant):
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "Funding Round", "category": "CRM", "model": "person"})
    body = await resp.json()
    is_problem(resp, body, 422, "VALIDATION_ERROR")
    assert "name" in body["errors"]


# --- resolved values on synced rows -------------------------------------------------------------

async def test_values_checked_against_type_hris(client, tenant):
    bonus = await v1_create(client, tenant, name="bonus", type="number")
    skills = await v1_create(client, tenant, name="skills", type="multiselect",
                             options=[{"value": "Python"}, {"value": "Go"}])
    note = await v1_create(client, tenant, name="note")
    await map_field(client, tenant, bonus, "data.employee.custom.bonus")
    await map_field(client, tenant, skills, "data.employee.custom.skills")
    await map_field(client, tenant, note, "data.employee.custom.note")
    await sync(client, tenant, tenant.connector_token, "HRIS", "employee", [
        ("e1", {"custom": {"bonus": 1500, "skills": ["python", " GO "], "note": "hi"}}),
        ("e2", {"custom": {"bonus": " 12.5 ", "skills": "Go", "note": 42}}),
        ("e3", {"custom": {"bonus": "lots", "skills": ["Rust"], "note": {"a": 1}}}),
        ("e4", {"custom": {"bonus": True, "skills": [1], "note": None}}),
        ("e5", {"other": 1}),
    ])
    got = await values(client, tenant, tenant.connector_token, "HRIS", "employee")
    assert got["e1"] == ({"bonus": 1500, "skills": ["Python", "Go"], "note": "hi"}, {})
    assert got["e2"] == ({"bonus": 12.5, "skills": ["Go"], "note": "42"}, {})
    e3_values, e3_errors = got["e3"]
    assert e3_values == {"bonus": None, "skills": None, "note": None}
    assert {k: v["code"] for k, v in e3_errors.items()} == {
        "bonus": "TYPE_MISMATCH", "skills": "UNKNOWN_OPTION", "note": "TYPE_MISMATCH"}
    e4_values, e4_errors = got["e4"]
    assert e4_values == {"bonus": None, "skills": None, "note": None}
    assert {k: v["code"] for k, v in e4_errors.items()} == {
        "bonus": "TYPE_MISMATCH", "skills": "TYPE_MISMATCH"}
    assert all(v["detail"] for v in e4_errors.values())
    assert got["e5"] == ({"bonus": None, "skills": None, "note": None}, {})


async def test_values_of_persons_fields_on_a_crm_connector(client, tenant):
    resp = await client.post("/api/v1/connectors", headers=tenant.headers,
                             json={"integration_slug": "hubspot"})
    assert resp.status == 201
    token = (await resp.json())["connector_token"]
    # a field made through the persons API, mapped and resolved through the v1 API
    resp = await client.post("/custom-fields", headers=tenant.persons_headers, json={
        "name": "Product Interests", "type": "multiselect",
        "options": [{"value": "Inventory Analytics"}, {"value": "Vendor Portal"}]})
    interests = await resp.json()
    resp = await client.post("/custom-fields", headers=tenant.persons_headers, json={
        "name": "Years as customer", "type": "number"})
    years = await resp.json()
    await map_field(client, tenant, interests["id"], "data.person.properties.product_interests",
                    integration_slug="hubspot")
    await map_field(client, tenant, years["id"], "data.person.properties.years_as_customer",
                    connector_token=token)
    await sync(client, tenant, token, "CRM", "person", [
        ("p1", {"properties": {"product_interests": ["vendor portal"], "years_as_customer": 4}}),
        ("p2", {"properties": {"product_interests": ["Payroll"], "years_as_customer": "n/a"}}),
    ])
    got = await values(client, tenant, token, "CRM", "person")
    assert got["p1"] == ({"Product Interests": ["Vendor Portal"], "Years as customer": 4}, {})
    p2_values, p2_errors = got["p2"]
    assert p2_values == {"Product Interests": None, "Years as customer": None}
    assert {k: v["code"] for k, v in p2_errors.items()} == {
        "Product Interests": "UNKNOWN_OPTION", "Years as customer": "TYPE_MISMATCH"}
    # adding the option through the persons API makes the value known
    resp = await client.post(f"/custom-fields/{interests['id']}/options",
                             headers=tenant.persons_headers, json={"value": "Payroll"})
    assert resp.status == 201
    got = await values(client, tenant, token, "CRM", "person")
    assert got["p2"][0]["Product Interests"] == ["Payroll"]
    # renaming an option changes the canonical value; the old spelling is unknown
    vendor = interests["options"][1]["id"]
    resp = await client.patch(f"/custom-fields/{interests['id']}/options/{vendor}",
                              headers=tenant.persons_headers, json={"value": "Supplier Portal"})
    assert resp.status == 200
    got = await values(client, tenant, token, "CRM", "person")
    assert got["p1"][1]["Product Interests"]["code"] == "UNKNOWN_OPTION"
    # a safe type change (number -> text) changes how the value is checked
    resp = await client.patch(f"/custom-fields/{years['id']}", headers=tenant.persons_headers,
                              json={"type": "text"})
    assert resp.status == 200
    got = await values(client, tenant, token, "CRM", "person")
    assert got["p1"][0]["Years as customer"] == "4"
    assert got["p2"] == ({"Product Interests": ["Payroll"], "Years as customer": "n/a"}, {})
    # deleting through the persons API removes the field and its mappings
    resp = await client.delete(f"/custom-fields/{years['id']}", headers=tenant.persons_headers)
    assert resp.status == 204
    got = await values(client, tenant, token, "CRM", "person")
    assert set(got["p1"][0]) == {"Product Interests"}
