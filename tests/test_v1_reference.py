"""The v1 reference document (reference/unified-api-custom-fields.txt) as a golden test.

The first test walks the document's example flow step by step (lookups, raw data,
preview, field, mapping, configuration) and compares every answer with the documented
example: the same keys, the same nesting, the same enums. Ids and tokens are the real
ones the service issued, not the document's literal values. The remaining tests cover
the "Updating and deleting" table and each error the document names.
"""

import uuid

import pytest

from tests.answers import problem
from tests.conftest import make_tenant

# --- the document's examples, verbatim ----------------------------------------------------

DOC_MODELS_EXAMPLE = {"slug": "employee", "display_name": "Employee", "category": "HRIS"}
DOC_INTEGRATIONS_EXAMPLE = {
    "integrations": [
        {"slug": "workday", "display_name": "Workday", "categories": ["HRIS"]},
    ],
}
DOC_RAW_DATA = {
    "data": {
        "employee": {
            "id": "emp_123",
            "first_name": "Ada",
            "guardian_mobile": "+1-555-123-4567",
        },
    },
}
DOC_JSON_PATH = "data.employee.guardian_mobile"
DOC_FIELD_BODY = {
    "name": "guardian_mobile",
    "description": "Employee's guardian mobile number",
    "category": "HRIS",
    "model": "employee",
}
PREVIEW_KEYS = {"connector_token", "json_path", "resolved_value", "resolved_value_type",
                "found", "raw_data_source"}
RAW_DATA_SOURCES = {"connector_sync", "integration_sample", "inline"}
VALUE_TYPES = {"string", "number", "boolean", "object", "array", "null"}
CONFIGURATION_KEYS = {"connector_token", "integration_slug", "category", "model", "fields"}
CONFIGURATION_FIELD_KEYS = {"custom_field_id", "name", "description", "category", "model",
                            "json_path", "source", "mapping_id"}


def assert_uuid(value: str) -> None:
    assert isinstance(value, str)
    assert str(uuid.UUID(value)) == value


async def ok(response, status: int = 200):
    body = await response.json()
    assert response.status == status, body
    return body


async def sync(client, tenant, data, remote_id="emp_123", category="HRIS", model="employee"):
    return await ok(await client.post(
        f"/api/v1/connectors/{tenant.connector_token}/sync", headers=tenant.headers,
        json={"category": category, "model": model,
              "records": [{"remote_id": remote_id, "data": data}]}))


async def create_field(client, tenant, **body):
    created = await ok(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                         json=body), 201)
    return created["id"]


async def create_mapping(client, tenant, **body):
    created = await ok(await client.post("/api/v1/custom-fields/mapping",
                                         headers=tenant.headers, json=body), 201)
    return created["id"]


@pytest.fixture
async def workday_only(client, app):
    """A tenant whose only integration is Workday, as in the document's running example."""
    return await make_tenant(app, "docs-example", integrations=["workday"])


# --- the example flow ---------------------------------------------------------------------

async def test_the_documented_flow_answers_in_the_documented_shapes(client, workday_only):
    tenant, headers = workday_only, workday_only.headers

    # Step 1: discover models and integrations.
    models = await ok(await client.get("/api/v1/lookup/models", headers=headers,
                                       params={"category": "HRIS"}))
    assert models.keys() == {"models"}
    assert DOC_MODELS_EXAMPLE in models["models"]
    for model in models["models"]:
        assert model.keys() == DOC_MODELS_EXAMPLE.keys()
        assert model["category"] == "HRIS"
    integrations = await ok(await client.get("/api/v1/lookup/integrations", headers=headers,
                                             params={"category": "HRIS"}))
    assert integrations == DOC_INTEGRATIONS_EXAMPLE

    # Step 2: the raw upstream payload, once the connector has synced the documented row
    # (the upstream object, sent bare): the document wraps it as the reference shows.
    await sync(client, tenant, DOC_RAW_DATA["data"]["employee"])
    response = await client.get("/api/v1/custom-fields/raw-data", headers=headers, params={
        "category": "HRIS", "model": "employee", "connector_token": tenant.connector_token})
    assert await ok(response) == DOC_RAW_DATA
    assert response.headers["X-Raw-Data-Source"] == "connector_sync"
    response = await client.get("/api/v1/custom-fields/raw-data", headers=headers, params={
        "category": "HRIS", "model": "employee", "integration_slug": "workday"})
    sample = await ok(response)
    assert sample.keys() == {"data"} and sample["data"].keys() == {"employee"}
    assert response.headers["X-Raw-Data-Source"] == "integration_sample"

    # Step 3: preview the JMESPath with the documented request body.
    preview = await ok(await client.post("/api/v1/custom-fields/preview", headers=headers, json={
        "connector_token": tenant.connector_token, "category": "HRIS", "model": "employee",
        "json_path": DOC_JSON_PATH}))
    assert preview == {
        "connector_token": tenant.connector_token,
        "json_path": DOC_JSON_PATH,
        "resolved_value": "+1-555-123-4567",
        "resolved_value_type": "string",
        "found": True,
        "raw_data_source": "connector_sync",
    }

    # Step 4: create the field with the documented body.
    created = await ok(await client.post("/api/v1/custom-fields", headers=headers,
                                         json=DOC_FIELD_BODY), 201)
    assert created.keys() == {"id", "status"}
    assert created["status"] == "SUCCESS"
    assert_uuid(created["id"])
    field_id = created["id"]

    # Step 5: the documented organization-scoped mapping, with the real field id.
    mapped = await ok(await client.post("/api/v1/custom-fields/mapping", headers=headers, json={
        "custom_field_id": field_id, "integration_slug": "workday",
        "json_path": DOC_JSON_PATH}), 201)
    assert mapped.keys() == {"id", "status"}
    assert mapped["status"] == "SUCCESS"
    assert_uuid(mapped["id"])
    assert mapped["id"] != field_id

    # The document's second configuration entry: a field with no mapping and no description.
    color_id = await create_field(client, tenant, name="favorite_color", category="HRIS",
                                  model="employee")

    # Step 6: the effective configuration.
    configuration = await ok(await client.get(
        "/api/v1/custom-fields/configuration", headers=headers, params={
            "connector_token": tenant.connector_token, "category": "HRIS",
            "model": "employee"}))
    assert configuration == {
        "connector_token": tenant.connector_token,
        "integration_slug": "workday",
        "category": "HRIS",
        "model": "employee",
        "fields": [
            {
                "custom_field_id": field_id,
                "name": "guardian_mobile",
                "description": "Employee's guardian mobile number",
                "category": "HRIS",
                "model": "employee",
                "json_path": DOC_JSON_PATH,
                "source": "organization",
                "mapping_id": mapped["id"],
            },
            {
                "custom_field_id": color_id,
                "name": "favorite_color",
                "description": None,
                "category": "HRIS",
                "model": "employee",
                "json_path": None,
                "source": None,
                "mapping_id": None,
            },
        ],
    }

    # Fields created here appear with source "API" when listed.
    listed = await ok(await client.get("/api/v1/custom-fields", headers=headers))
    assert {f["id"]: f["source"] for f in listed["custom_fields"]} == {
        field_id: "API", color_id: "API"}


async def test_preview_falls_back_to_the_integration_sample_before_the_connector_syncs(
        client, tenant):
    preview = await ok(await client.post("/api/v1/custom-fields/preview", headers=tenant.headers,
                                         json={"connector_token": tenant.connector_token,
                                               "category": "HRIS", "model": "employee",
                                               "json_path": "workerId"}))
    assert preview.keys() == PREVIEW_KEYS
    assert preview["raw_data_source"] == "integration_sample"
    assert preview["resolved_value_type"] in VALUE_TYPES
    assert preview["connector_token"] == tenant.connector_token


async def test_preview_of_an_inline_payload_says_inline(client, tenant):
    preview = await ok(await client.post("/api/v1/custom-fields/preview", headers=tenant.headers,
                                         json={"category": "HRIS", "model": "employee",
                                               "json_path": DOC_JSON_PATH,
                                               "raw_data": DOC_RAW_DATA}))
    assert preview.keys() == PREVIEW_KEYS
    assert preview["raw_data_source"] == "inline"
    assert preview["resolved_value"] == "+1-555-123-4567"
    assert preview["resolved_value_type"] == "string"


async def test_raw_data_falls_back_to_the_sample_when_the_connector_has_not_synced(
        client, tenant):
    response = await client.get("/api/v1/custom-fields/raw-data", headers=tenant.headers, params={
        "category": "HRIS", "model": "employee", "connector_token": tenant.connector_token})
    by_connector = await ok(response)
    assert response.headers["X-Raw-Data-Source"] == "integration_sample"
    response = await client.get("/api/v1/custom-fields/raw-data", headers=tenant.headers, params={
        "category": "HRIS", "model": "employee", "integration_slug": "workday"})
    assert await ok(response) == by_connector


async def test_connector_scoped_mapping_overrides_the_organization_one(client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    await create_mapping(client, tenant, custom_field_id=field_id, integration_slug="workday",
                         json_path=DOC_JSON_PATH)
    override = await create_mapping(client, tenant, custom_field_id=field_id,
                                     connector_token=tenant.connector_token,
                                     json_path="data.employee.first_name")
    configuration = await ok(await client.get(
        "/api/v1/custom-fields/configuration", headers=tenant.headers, params={
            "connector_token": tenant.connector_token, "category": "HRIS",
            "model": "employee"}))
    assert configuration.keys() == CONFIGURATION_KEYS
    [entry] = configuration["fields"]
    assert entry.keys() == CONFIGURATION_FIELD_KEYS
    assert (entry["json_path"], entry["source"], entry["mapping_id"]) == (
        "data.employee.first_name", "connector", override)


async def test_lookups_never_return_connector_tokens(client, tenant):
    for path in ("/api/v1/lookup/models", "/api/v1/lookup/integrations"):
        for params in ({}, {"category": "HRIS"}):
            response = await client.get(path, headers=tenant.headers, params=params)
            assert response.status == 200
            assert tenant.connector_token not in await response.text()


# --- "Updating and deleting" ---------------------------------------------------------------

async def test_listing_supports_the_category_model_and_source_filters(client, tenant):
    employee = await create_field(client, tenant, **DOC_FIELD_BODY)
    department = await create_field(client, tenant, name="cost_center", category="HRIS",
                                    model="department")
    candidate = await create_field(client, tenant, name="referrer", category="ATS",
                                   model="candidate")

    async def ids(**params):
        body = await ok(await client.get("/api/v1/custom-fields", headers=tenant.headers,
                                         params=params))
        return [f["id"] for f in body["custom_fields"]]

    assert await ids() == [employee, department, candidate]
    assert await ids(category="HRIS") == [employee, department]
    assert await ids(category="HRIS", model="department") == [department]
    assert await ids(source="API") == [employee, department, candidate]
    assert await ids(source="DASHBOARD") == []


async def test_get_one_returns_the_field_with_all_its_mappings(client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    org_mapping = await create_mapping(client, tenant, custom_field_id=field_id,
                                       integration_slug="workday", json_path=DOC_JSON_PATH)
    connector_mapping = await create_mapping(client, tenant, custom_field_id=field_id,
                                             connector_token=tenant.connector_token,
                                             json_path="data.employee.id")
    field = await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                      headers=tenant.headers))
    assert field["id"] == field_id
    assert field["name"] == "guardian_mobile"
    assert field["source"] == "API"
    assert {m["id"]: (m["scope"], m["integration_slug"], m["connector_token"], m["json_path"])
            for m in field["mappings"]} == {
        org_mapping: ("organization", "workday", None, DOC_JSON_PATH),
        connector_mapping: ("connector", None, tenant.connector_token, "data.employee.id"),
    }
    for mapping in field["mappings"]:
        assert mapping["custom_field_id"] == field_id


async def test_deleting_a_field_removes_all_its_mappings(client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    mapping_id = await create_mapping(client, tenant, custom_field_id=field_id,
                                      integration_slug="workday", json_path=DOC_JSON_PATH)
    deleted = await ok(await client.delete(f"/api/v1/custom-fields/{field_id}",
                                           headers=tenant.headers))
    assert deleted == {"id": field_id, "status": "SUCCESS"}
    await problem(await client.get(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers),
                  404, "NOT_FOUND")
    await problem(await client.patch(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                     headers=tenant.headers, json={"json_path": "a"}),
                  404, "NOT_FOUND")


async def test_only_json_path_is_mutable_on_a_mapping(client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    mapping_id = await create_mapping(client, tenant, custom_field_id=field_id,
                                      integration_slug="workday", json_path=DOC_JSON_PATH)
    updated = await ok(await client.patch(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                          headers=tenant.headers,
                                          json={"json_path": "data.employee.id"}))
    assert updated == {"id": mapping_id, "status": "SUCCESS"}
    for change in ({"connector_token": tenant.connector_token},
                   {"integration_slug": "bamboohr", "json_path": "x"}):
        await problem(await client.patch(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                         headers=tenant.headers, json=change),
                      422, "VALIDATION_ERROR")
    field = await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                      headers=tenant.headers))
    [mapping] = field["mappings"]
    assert (mapping["scope"], mapping["integration_slug"], mapping["json_path"]) == (
        "organization", "workday", "data.employee.id")


async def test_deleting_a_mapping_leaves_the_field(client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    mapping_id = await create_mapping(client, tenant, custom_field_id=field_id,
                                      integration_slug="workday", json_path=DOC_JSON_PATH)
    deleted = await ok(await client.delete(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                           headers=tenant.headers))
    assert deleted == {"id": mapping_id, "status": "SUCCESS"}
    field = await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                      headers=tenant.headers))
    assert field["mappings"] == []


# --- the errors the document names -------------------------------------------------------

async def test_a_mapping_with_an_invalid_jmespath_is_refused_with_invalid_json_path(
        client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    for json_path in ("data.employee.", "data[", "data..employee", "]["):
        body = await problem(await client.post(
            "/api/v1/custom-fields/mapping", headers=tenant.headers,
            json={"custom_field_id": field_id, "integration_slug": "workday",
                  "json_path": json_path}), 422, "INVALID_JSON_PATH")
        assert "json_path" in body["errors"]
    field = await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                      headers=tenant.headers))
    assert field["mappings"] == []


async def test_preview_of_an_invalid_jmespath_is_refused_with_invalid_json_path(client, tenant):
    await problem(await client.post("/api/v1/custom-fields/preview", headers=tenant.headers,
                                    json={"category": "HRIS", "model": "employee",
                                          "json_path": "data.employee.", "raw_data": {}}),
                  422, "INVALID_JSON_PATH")


async def test_a_mapping_needs_exactly_one_of_integration_slug_or_connector_token(
        client, tenant):
    field_id = await create_field(client, tenant, **DOC_FIELD_BODY)
    for scope in ({}, {"integration_slug": "workday",
                       "connector_token": tenant.connector_token}):
        body = {"custom_field_id": field_id, "json_path": DOC_JSON_PATH, **scope}
        error = await problem(await client.post("/api/v1/custom-fields/mapping",
                                                headers=tenant.headers, json=body),
                              422, "VALIDATION_ERROR")
        assert "integration_slug" in str(error["errors"])
        assert "connector_token" in str(error["errors"])
    field = await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                      headers=tenant.headers))
    assert field["mappings"] == []


async def test_snake_case_names_of_2_to_128_characters_are_accepted(client, tenant):
    for name in ("ab", "guardian_mobile", "a1", "x" * 128, "phone_2", "a_b_c"):
        field_id = await create_field(client, tenant, name=name, category="HRIS",
                                      model="employee")
        field = await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                          headers=tenant.headers))
        assert field["name"] == name


async def check_names_refused(client, tenant, names):
    for name in names:
        body = await problem(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                               json={"name": name, "category": "HRIS",
                                                     "model": "employee"}),
                             422, "VALIDATION_ERROR")
        assert "name" in body["errors"], name
    listed = await ok(await client.get("/api/v1/custom-fields", headers=tenant.headers))
    assert listed["custom_fields"] == []


async def test_names_that_are_not_snake_case_of_2_to_128_characters_are_refused(
        client, tenant):
    await check_names_refused(client, tenant, [
        "a", "x" * 129, "", "GuardianMobile", "guardian-mobile", "guardian mobile",
        "1guardian", "_guardian", "guardian_", "guardian__mobile", "Guardian_mobile",
        "guardian.mobile", "gu\u00e4rdian", " guardian_mobile", None, 42])


async def test_a_name_with_a_trailing_newline_is_refused(client, tenant):
    await check_names_refused(client, tenant, ["guardian_mobile\n"])


async def test_a_name_is_unique_within_its_category_and_model(client, tenant):
    await create_field(client, tenant, **DOC_FIELD_BODY)
    await problem(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                    json=DOC_FIELD_BODY), 409, "DUPLICATE_NAME")
    # the same name on another model, or in another category, is another field
    await create_field(client, tenant, **{**DOC_FIELD_BODY, "model": "department"})
    await create_field(client, tenant, **{**DOC_FIELD_BODY, "category": "ATS",
                                          "model": "candidate"})
