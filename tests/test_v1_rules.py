"""Every rule of the v1 API, one test each, through HTTP.

Fields (create, list, filters, pagination, get with mappings, delete cascade), mappings
(scope, expression checks, duplicates, enabled integrations, categories), the effective
configuration, raw data, preview, sync ingest, resolved values, lookups and connectors.
"""

import json
import re
import uuid
from collections import Counter

from service.appkeys import backend_key
from tests.answers import problem
from tests.conftest import make_tenant

FIELD_KEYS = {"id", "name", "description", "category", "model", "type", "options",
              "number_format", "source", "created_at", "updated_at"}
MAPPING_KEYS = {"id", "custom_field_id", "scope", "integration_slug", "connector_token",
                "json_path", "created_at", "updated_at"}
CONNECTOR_CREATED_KEYS = {"id", "connector_token", "integration_slug", "name", "created_at"}
VALUES_KEYS = {"connector_token", "integration_slug", "category", "model", "records",
               "next_cursor", "recomputing"}
VALUES_RECORD_KEYS = {"remote_id", "synced_at", "values", "errors", "fields"}
EMPLOYEE = {"category": "HRIS", "model": "employee"}


# --- helpers ------------------------------------------------------------------------------

async def ok(response, status: int = 200):
    body = await response.json()
    assert response.status == status, body
    return body


def strict_json(text: str):
    """Parse as RFC 8259 JSON: NaN and Infinity are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


async def create_field(client, tenant, name="guardian_mobile", **body) -> str:
    payload = {"name": name, **EMPLOYEE, **body}
    created = await ok(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                         json=payload), 201)
    return created["id"]


async def create_mapping(client, tenant, field_id, json_path="data.mobile", **scope) -> str:
    scope = scope or {"integration_slug": "workday"}
    created = await ok(await client.post(
        "/api/v1/custom-fields/mapping", headers=tenant.headers,
        json={"custom_field_id": field_id, "json_path": json_path, **scope}), 201)
    return created["id"]


async def post_mapping(client, tenant, **body):
    return await client.post("/api/v1/custom-fields/mapping", headers=tenant.headers, json=body)


async def get_field(client, tenant, field_id) -> dict:
    return await ok(await client.get(f"/api/v1/custom-fields/{field_id}",
                                     headers=tenant.headers))


async def list_fields(client, tenant, **params) -> dict:
    return await ok(await client.get("/api/v1/custom-fields", headers=tenant.headers,
                                     params=params))


async def create_connector(client, tenant, integration_slug, name=None) -> dict:
    return await ok(await client.post("/api/v1/connectors", headers=tenant.headers,
                                      json={"integration_slug": integration_slug,
                                            "name": name}), 201)


async def sync(client, tenant, records, token=None, category="HRIS", model="employee"):
    return await client.post(f"/api/v1/connectors/{token or tenant.connector_token}/sync",
                             headers=tenant.headers,
                             json={"category": category, "model": model, "records": records})


async def preview(client, tenant, json_path, **body):
    return await client.post("/api/v1/custom-fields/preview", headers=tenant.headers,
                             json={**EMPLOYEE, "json_path": json_path, **body})


async def configuration(client, tenant, token=None) -> dict:
    body = await ok(await client.get("/api/v1/custom-fields/configuration",
                                     headers=tenant.headers,
                                     params={"connector_token": token or tenant.connector_token,
                                             **EMPLOYEE}))
    return {f["name"]: (f["json_path"], f["source"], f["mapping_id"]) for f in body["fields"]}


async def values(client, tenant, **params):
    return await client.get("/api/v1/custom-fields/values", headers=tenant.headers,
                            params={"connector_token": tenant.connector_token, **EMPLOYEE,
                                    **params})


async def raw_data(client, tenant, **params):
    return await client.get("/api/v1/custom-fields/raw-data", headers=tenant.headers,
                            params={**EMPLOYEE, **params})


async def last_seq(app) -> int:
    events = await app[backend_key].store.read_events()
    return events[-1].seq if events else 0


# --- fields -------------------------------------------------------------------------------

async def test_creating_a_field_answers_201_with_its_id_and_success(client, tenant):
    response = await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                 json={"name": "guardian_mobile", **EMPLOYEE})
    body = await ok(response, 201)
    assert body.keys() == {"id", "status"}
    assert body["status"] == "SUCCESS"
    assert uuid.UUID(body["id"]).version == 7


async def test_fields_made_through_the_api_have_source_api(client, tenant):
    field_id = await create_field(client, tenant)
    assert (await get_field(client, tenant, field_id))["source"] == "API"
    [listed] = (await list_fields(client, tenant))["custom_fields"]
    assert listed["source"] == "API"


async def test_listing_fields_answers_custom_fields_and_next_cursor(client, tenant):
    field_id = await create_field(client, tenant, description="the mobile", type="number")
    body = await list_fields(client, tenant)
    assert body.keys() == {"custom_fields", "next_cursor"}
    assert body["next_cursor"] is None
    [field] = body["custom_fields"]
    assert field.keys() == FIELD_KEYS
    assert (field["id"], field["name"], field["description"], field["category"],
            field["model"], field["type"]) == (field_id, "guardian_mobile", "the mobile",
                                               "HRIS", "employee", "number")


FILTER_CASES = [
    ({"category": "HRIS"}, ["mobile", "cost_center", "score"]),
    ({"category": "ATS"}, ["referrer"]),
    ({"model": "department"}, ["cost_center"]),
    ({"category": "HRIS", "model": "employee"}, ["mobile", "score"]),
    ({"type": "number"}, ["score"]),
    ({"type": "text", "category": "HRIS"}, ["mobile", "cost_center"]),
    ({"source": "API"}, ["mobile", "cost_center", "referrer", "score"]),
    ({"source": "DASHBOARD"}, []),
]


async def test_listing_fields_filters_by_category_model_source_and_type(client, tenant):
    await create_field(client, tenant, "mobile")
    await create_field(client, tenant, "cost_center", category="HRIS", model="department")
    await create_field(client, tenant, "referrer", category="ATS", model="candidate")
    await create_field(client, tenant, "score", type="number")
    got = {}
    for params, _ in FILTER_CASES:
        body = await list_fields(client, tenant, **params)
        got[str(params)] = [f["name"] for f in body["custom_fields"]]
    assert got == {str(params): expected for params, expected in FILTER_CASES}


async def test_listing_fields_pages_by_50_by_default_and_follows_the_cursor(client, tenant):
    ids = [await create_field(client, tenant, f"field_{i:02d}") for i in range(51)]
    first = await list_fields(client, tenant)
    assert [f["id"] for f in first["custom_fields"]] == ids[:50]
    assert isinstance(first["next_cursor"], str)
    second = await list_fields(client, tenant, cursor=first["next_cursor"])
    assert [f["id"] for f in second["custom_fields"]] == ids[50:]
    assert second["next_cursor"] is None


async def test_a_small_limit_walks_every_field_once_in_a_stable_order(client, tenant):
    ids = [await create_field(client, tenant, f"field_{i}") for i in range(5)]
    seen, cursor = [], None
    while True:
        page = await list_fields(client, tenant, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["custom_fields"]) <= 2
        seen += [f["id"] for f in page["custom_fields"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


async def test_a_limit_of_200_is_allowed(client, tenant):
    assert (await list_fields(client, tenant, limit=200))["custom_fields"] == []


async def test_a_limit_above_200_is_page_size_too_large(client, tenant):
    body = await problem(await client.get("/api/v1/custom-fields", headers=tenant.headers,
                                          params={"limit": 201}), 422, "PAGE_SIZE_TOO_LARGE")
    assert "limit" in body["errors"]


async def test_a_limit_that_is_not_a_positive_integer_is_a_validation_error(client, tenant):
    for limit in ("0", "-1", "ten", "1.5", ""):
        body = await problem(await client.get("/api/v1/custom-fields", headers=tenant.headers,
                                              params={"limit": limit}), 422, "VALIDATION_ERROR")
        assert "limit" in body["errors"], limit


async def check_cursors_refused(client, tenant, cursors):
    await create_field(client, tenant)
    for cursor in cursors:
        body = await problem(await client.get("/api/v1/custom-fields", headers=tenant.headers,
                                              params={"cursor": cursor}), 422, "INVALID_CURSOR")
        assert "cursor" in body["errors"]


async def test_a_cursor_the_service_did_not_issue_is_invalid_cursor(client, tenant):
    await check_cursors_refused(client, tenant, ["garbage", "not-a-cursor", "x"])


async def test_a_cursor_of_characters_outside_base64_is_invalid_cursor(client, tenant):
    await check_cursors_refused(client, tenant, ["!!!", "{}", "...."])


async def test_getting_a_field_returns_it_with_its_mappings_and_an_etag(client, tenant):
    field_id = await create_field(client, tenant, description="guardian")
    org = await create_mapping(client, tenant, field_id, "data.a", integration_slug="workday")
    own = await create_mapping(client, tenant, field_id, "data.b",
                               connector_token=tenant.connector_token)
    response = await client.get(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers)
    body = await ok(response)
    # the field's version, and a digest of its mappings' versions (they show in the body)
    assert re.fullmatch(r'"\d+\.[0-9a-f]{12}"', response.headers["ETag"])
    assert body.keys() == FIELD_KEYS | {"mappings"}
    assert (body["id"], body["name"], body["description"]) == (field_id, "guardian_mobile",
                                                               "guardian")
    for mapping in body["mappings"]:
        assert mapping.keys() == MAPPING_KEYS
        assert mapping["custom_field_id"] == field_id
    assert [(m["id"], m["scope"], m["integration_slug"], m["connector_token"], m["json_path"])
            for m in body["mappings"]] == [
        (org, "organization", "workday", None, "data.a"),
        (own, "connector", None, tenant.connector_token, "data.b"),
    ]


async def test_an_unknown_field_id_is_404(client, tenant):
    await problem(await client.get(f"/api/v1/custom-fields/{uuid.uuid4()}",
                                   headers=tenant.headers), 404, "NOT_FOUND")
    await problem(await client.delete(f"/api/v1/custom-fields/{uuid.uuid4()}",
                                      headers=tenant.headers), 404, "NOT_FOUND")


async def test_validation_failures_are_problems_keyed_by_field(client, tenant):
    response = await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                 json={"description": 5, "type": "color"})
    body = await problem(response, 422, "VALIDATION_ERROR")
    assert {"type", "title", "status", "detail", "code", "errors"} <= body.keys()
    assert {"name", "category", "model", "description", "type"} <= body["errors"].keys()


async def test_an_unknown_category_is_unknown_category(client, tenant):
    body = await problem(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                           json={"name": "mobile", "category": "PAYROLL",
                                                 "model": "employee"}),
                         422, "UNKNOWN_CATEGORY")
    assert "category" in body["errors"]


async def test_an_unknown_model_is_unknown_model(client, tenant):
    body = await problem(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                           json={"name": "mobile", "category": "HRIS",
                                                 "model": "candidate"}),
                         422, "UNKNOWN_MODEL")
    assert "model" in body["errors"]


async def test_a_duplicate_name_in_the_same_category_and_model_is_409(client, tenant):
    await create_field(client, tenant, "mobile")
    await problem(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                    json={"name": "mobile", **EMPLOYEE}), 409, "DUPLICATE_NAME")
    assert len((await list_fields(client, tenant))["custom_fields"]) == 1


async def test_names_are_compared_case_insensitively(client, tenant):
    # v1 names are lower-case snake_case; the persons API (same fields, CRM/person) is not.
    response = await client.post("/custom-fields", headers=tenant.persons_headers,
                                 json={"name": "Loyalty_Tier"})
    assert response.status == 201, await response.text()
    await problem(await client.post("/api/v1/custom-fields", headers=tenant.headers,
                                    json={"name": "loyalty_tier", "category": "CRM",
                                          "model": "person"}), 409, "DUPLICATE_NAME")


async def test_the_same_name_in_another_model_is_another_field(client, tenant):
    employee = await create_field(client, tenant, "cost_center")
    department = await create_field(client, tenant, "cost_center", category="HRIS",
                                    model="department")
    assert employee != department


async def test_deleting_a_field_answers_its_id_and_success(client, tenant):
    field_id = await create_field(client, tenant)
    assert await ok(await client.delete(f"/api/v1/custom-fields/{field_id}",
                                        headers=tenant.headers)) == {
        "id": field_id, "status": "SUCCESS"}
    await problem(await client.get(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers),
                  404, "NOT_FOUND")
    assert (await list_fields(client, tenant))["custom_fields"] == []


async def test_deleting_a_field_removes_its_mappings_in_one_transaction(client, app, tenant):
    field_id = await create_field(client, tenant)
    mappings = {await create_mapping(client, tenant, field_id, "a", integration_slug="workday"),
                await create_mapping(client, tenant, field_id, "b", integration_slug="bamboohr"),
                await create_mapping(client, tenant, field_id, "c",
                                     connector_token=tenant.connector_token)}
    before = await last_seq(app)
    await ok(await client.delete(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers))
    events = await app[backend_key].store.read_events(after=before)
    assert Counter(e.type for e in events) == {"MappingDeleted": 3, "FieldDeleted": 1}
    assert events[-1].type == "FieldDeleted"
    assert {e.data["mapping_id"] for e in events if e.type == "MappingDeleted"} == mappings
    assert [e.seq for e in events] == list(range(before + 1, before + 1 + len(events)))
    for mapping_id in mappings:
        await problem(await client.delete(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                          headers=tenant.headers), 404, "NOT_FOUND")
    fields = await configuration(client, tenant)
    assert fields == {}


async def test_deleting_one_field_leaves_the_mappings_of_others(client, tenant):
    doomed, kept = await create_field(client, tenant, "doomed"), await create_field(
        client, tenant, "kept")
    await create_mapping(client, tenant, doomed, "a")
    kept_mapping = await create_mapping(client, tenant, kept, "b")
    await ok(await client.delete(f"/api/v1/custom-fields/{doomed}", headers=tenant.headers))
    assert [m["id"] for m in (await get_field(client, tenant, kept))["mappings"]] == [
        kept_mapping]


# --- mappings -----------------------------------------------------------------------------

async def test_creating_a_mapping_answers_201_with_its_id_and_success(client, tenant):
    field_id = await create_field(client, tenant)
    body = await ok(await post_mapping(client, tenant, custom_field_id=field_id,
                                       integration_slug="workday", json_path="data.mobile"), 201)
    assert body.keys() == {"id", "status"}
    assert body["status"] == "SUCCESS"
    assert uuid.UUID(body["id"]).version == 7


async def test_a_mapping_needs_exactly_one_of_integration_slug_and_connector_token(
        client, tenant):
    field_id = await create_field(client, tenant)
    for scope in ({}, {"integration_slug": None, "connector_token": None},
                  {"integration_slug": "workday", "connector_token": tenant.connector_token}):
        error = await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                                 json_path="data.mobile", **scope),
                              422, "VALIDATION_ERROR")
        assert error["errors"]
    assert (await get_field(client, tenant, field_id))["mappings"] == []


async def check_mapping_refused(client, tenant, json_paths, code):
    field_id = await create_field(client, tenant)
    for json_path in json_paths:
        body = await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                                integration_slug="workday", json_path=json_path),
                             422, code)
        assert "json_path" in body["errors"], json_path
    assert (await get_field(client, tenant, field_id))["mappings"] == []


async def test_a_mapping_whose_jmespath_does_not_compile_is_invalid_json_path(client, tenant):
    await check_mapping_refused(client, tenant, [
        "data.", "data[", "[?a==]", "a | | b", "&", "data..mobile", "'unterminated", "a.[0",
        "foo[?", "{a: b", "a || ", "@@"], "INVALID_JSON_PATH")


async def test_a_legacy_backtick_literal_never_gives_a_500(client, tenant):
    for name, json_path in (("legacy_literal", "`foo`"), ("broken_literal", "`{bad`")):
        field_id = await create_field(client, tenant, name)
        response = await post_mapping(client, tenant, custom_field_id=field_id,
                                      integration_slug="workday", json_path=json_path)
        assert response.status in (201, 422), await response.text()
        if response.status == 422:
            assert (await response.json())["code"] == "INVALID_JSON_PATH"
    response = await preview(client, tenant, "`foo`", raw_data={})
    assert response.status in (200, 422), await response.text()
    if response.status == 200:
        assert (await response.json())["resolved_value"] == "foo"


async def test_a_mapping_with_chained_indexes_is_accepted(client, tenant):
    field_id = await create_field(client, tenant)
    await create_mapping(client, tenant, field_id, "data.employee.rows[0][1]")
    await ok(await sync(client, tenant, [{"remote_id": "e1", "data": {"rows": [["a", "b"]]}}]))
    [record] = (await ok(await values(client, tenant)))["records"]
    assert record["values"] == {"guardian_mobile": "b"}


async def test_an_empty_json_path_is_a_validation_error(client, tenant):
    await check_mapping_refused(client, tenant, ["", "   "], "VALIDATION_ERROR")


async def test_a_mapping_calling_an_unknown_function_is_unknown_function(client, tenant):
    await check_mapping_refused(client, tenant, [
        "no_such_function(data)", "upper(name)", "data[*].frobnicate(@)",
        "sort_by(items, &now())", "a | b[?c == d].e[0].f(@)"], "UNKNOWN_FUNCTION")


async def test_a_mapping_calling_a_function_with_the_wrong_arity_is_invalid_arity(
        client, tenant):
    await check_mapping_refused(client, tenant, [
        "length(a, b)", "length()", "join(',')", "starts_with(name)", "merge()", "not_null()",
        "items[?contains(tags)]", "sort_by(a, &b, &c)"], "INVALID_ARITY")


async def test_a_json_path_longer_than_1024_characters_is_expression_too_long(client, tenant):
    field_id = await create_field(client, tenant)
    body = await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                            integration_slug="workday", json_path="a" * 1025),
                         422, "EXPRESSION_TOO_LONG")
    assert "json_path" in body["errors"]


async def test_a_json_path_of_1024_characters_is_accepted(client, tenant):
    field_id = await create_field(client, tenant)
    await create_mapping(client, tenant, field_id, "a" * 1024)


async def test_a_second_mapping_for_the_same_field_and_integration_is_409(client, tenant):
    field_id = await create_field(client, tenant)
    await create_mapping(client, tenant, field_id, "a", integration_slug="workday")
    await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                     integration_slug="workday", json_path="b"),
                  409, "DUPLICATE_MAPPING")
    assert len((await get_field(client, tenant, field_id))["mappings"]) == 1


async def test_a_second_mapping_for_the_same_field_and_connector_is_409(client, tenant):
    field_id = await create_field(client, tenant)
    await create_mapping(client, tenant, field_id, "a", connector_token=tenant.connector_token)
    await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                     connector_token=tenant.connector_token, json_path="b"),
                  409, "DUPLICATE_MAPPING")


async def test_integration_and_connector_mappings_of_one_field_coexist(client, tenant):
    field_id = await create_field(client, tenant)
    await create_mapping(client, tenant, field_id, "a", integration_slug="workday")
    await create_mapping(client, tenant, field_id, "b", integration_slug="bamboohr")
    await create_mapping(client, tenant, field_id, "c", connector_token=tenant.connector_token)
    assert len((await get_field(client, tenant, field_id))["mappings"]) == 3


async def test_the_same_integration_maps_different_fields(client, tenant):
    one, two = await create_field(client, tenant, "one"), await create_field(client, tenant, "two")
    await create_mapping(client, tenant, one, "a")
    await create_mapping(client, tenant, two, "a")


async def test_a_mapping_to_an_integration_not_enabled_is_integration_not_enabled(client, app):
    solo = await make_tenant(app, "solo", integrations=["workday"])
    field_id = await create_field(client, solo)
    # an integration the catalogue has not is one code everywhere: UNKNOWN_INTEGRATION
    for slug, code in (("bamboohr", "INTEGRATION_NOT_ENABLED"),
                       ("no-such-integration", "UNKNOWN_INTEGRATION")):
        body = await problem(await post_mapping(client, solo, custom_field_id=field_id,
                                                integration_slug=slug, json_path="a"),
                             422, code)
        assert "integration_slug" in body["errors"]


async def test_a_mapping_to_another_organizations_connector_is_404(client, tenant,
                                                                   other_tenant):
    field_id = await create_field(client, tenant)
    await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                     connector_token=other_tenant.connector_token,
                                     json_path="a"), 404, "CONNECTOR_NOT_FOUND")
    await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                     connector_token="cft_no-such-token", json_path="a"),
                  404, "CONNECTOR_NOT_FOUND")


async def test_a_mapping_of_an_unknown_field_is_404(client, tenant):
    await problem(await post_mapping(client, tenant, custom_field_id=str(uuid.uuid4()),
                                     integration_slug="workday", json_path="a"),
                  404, "NOT_FOUND")


async def test_an_integration_that_does_not_serve_the_fields_category_is_refused(
        client, tenant):
    field_id = await create_field(client, tenant)  # HRIS
    body = await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                            integration_slug="greenhouse", json_path="a"),
                         422, "INTEGRATION_CATEGORY_MISMATCH")
    assert "integration_slug" in body["errors"]


async def test_a_connector_whose_integration_does_not_serve_the_category_is_refused(
        client, tenant):
    field_id = await create_field(client, tenant)  # HRIS
    ats = await create_connector(client, tenant, "lever")
    await problem(await post_mapping(client, tenant, custom_field_id=field_id,
                                     connector_token=ats["connector_token"], json_path="a"),
                  422, "INTEGRATION_CATEGORY_MISMATCH")


async def test_patching_a_mapping_changes_its_json_path(client, tenant):
    field_id = await create_field(client, tenant)
    mapping_id = await create_mapping(client, tenant, field_id, "data.old")
    response = await client.patch(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                  headers=tenant.headers, json={"json_path": "data.new"})
    assert await ok(response) == {"id": mapping_id, "status": "SUCCESS"}
    [mapping] = (await get_field(client, tenant, field_id))["mappings"]
    assert mapping["json_path"] == "data.new"
    assert (await configuration(client, tenant))["guardian_mobile"][0] == "data.new"


EXPRESSION_CHECKS = [
    ("data.", "INVALID_JSON_PATH"), ("nope(a)", "UNKNOWN_FUNCTION"),
    ("length(a, b)", "INVALID_ARITY"), ("a" * 1025, "EXPRESSION_TOO_LONG"),
    ("", "VALIDATION_ERROR"),
]


async def test_patching_a_mapping_checks_the_new_json_path(client, tenant):
    field_id = await create_field(client, tenant)
    mapping_id = await create_mapping(client, tenant, field_id, "data.old")
    for json_path, code in EXPRESSION_CHECKS:
        await problem(await client.patch(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                         headers=tenant.headers, json={"json_path": json_path}),
                      422, code)
    [mapping] = (await get_field(client, tenant, field_id))["mappings"]
    assert mapping["json_path"] == "data.old"


async def test_patching_the_scope_of_a_mapping_is_refused(client, tenant):
    field_id = await create_field(client, tenant)
    mapping_id = await create_mapping(client, tenant, field_id, "data.old")
    await problem(await client.patch(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                     headers=tenant.headers,
                                     json={"json_path": "x",
                                           "connector_token": tenant.connector_token}),
                  422, "VALIDATION_ERROR")


async def test_deleting_a_mapping_answers_its_id_and_success_and_keeps_the_field(
        client, tenant):
    field_id = await create_field(client, tenant)
    mapping_id = await create_mapping(client, tenant, field_id)
    assert await ok(await client.delete(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                        headers=tenant.headers)) == {
        "id": mapping_id, "status": "SUCCESS"}
    assert (await get_field(client, tenant, field_id))["mappings"] == []
    await problem(await client.delete(f"/api/v1/custom-fields/mapping/{mapping_id}",
                                      headers=tenant.headers), 404, "NOT_FOUND")


async def test_an_unknown_mapping_id_is_404(client, tenant):
    missing = uuid.uuid4()
    await problem(await client.patch(f"/api/v1/custom-fields/mapping/{missing}",
                                     headers=tenant.headers, json={"json_path": "a"}),
                  404, "NOT_FOUND")
    await problem(await client.delete(f"/api/v1/custom-fields/mapping/{missing}",
                                      headers=tenant.headers), 404, "NOT_FOUND")


# --- configuration ------------------------------------------------------------------------

async def test_configuration_prefers_the_connector_mapping_then_the_integration_one(
        client, tenant):
    both = await create_field(client, tenant, "both")
    org_only = await create_field(client, tenant, "org_only")
    await create_field(client, tenant, "unmapped")
    await create_field(client, tenant, "other_model", category="HRIS", model="department")
    await create_mapping(client, tenant, both, "org.path")
    own = await create_mapping(client, tenant, both, "own.path",
                               connector_token=tenant.connector_token)
    inherited = await create_mapping(client, tenant, org_only, "org.only")
    assert await configuration(client, tenant) == {
        "both": ("own.path", "connector", own),
        "org_only": ("org.only", "organization", inherited),
        "unmapped": (None, None, None),
    }


async def test_configuration_ignores_mappings_of_other_integrations_and_connectors(
        client, tenant):
    field_id = await create_field(client, tenant)
    await create_mapping(client, tenant, field_id, "workday.path")
    await create_mapping(client, tenant, field_id, "workday.own",
                         connector_token=tenant.connector_token)
    bamboo = await create_connector(client, tenant, "bamboohr")
    assert await configuration(client, tenant, bamboo["connector_token"]) == {
        "guardian_mobile": (None, None, None)}
    second_workday = await create_connector(client, tenant, "workday")
    assert (await configuration(client, tenant, second_workday["connector_token"]))[
        "guardian_mobile"][:2] == ("workday.path", "organization")


async def test_configuration_falls_back_to_the_integration_once_the_override_is_deleted(
        client, tenant):
    field_id = await create_field(client, tenant)
    org = await create_mapping(client, tenant, field_id, "org.path")
    own = await create_mapping(client, tenant, field_id, "own.path",
                               connector_token=tenant.connector_token)
    await ok(await client.delete(f"/api/v1/custom-fields/mapping/{own}", headers=tenant.headers))
    assert await configuration(client, tenant) == {
        "guardian_mobile": ("org.path", "organization", org)}


async def test_configuration_of_an_unknown_connector_is_404(client, tenant):
    await problem(await client.get("/api/v1/custom-fields/configuration", headers=tenant.headers,
                                   params={"connector_token": "cft_nope", **EMPLOYEE}),
                  404, "CONNECTOR_NOT_FOUND")


async def test_configuration_needs_connector_category_and_model(client, tenant):
    body = await problem(await client.get("/api/v1/custom-fields/configuration",
                                          headers=tenant.headers), 422, "VALIDATION_ERROR")
    assert {"connector_token", "category", "model"} <= body["errors"].keys()


# --- raw data -----------------------------------------------------------------------------

RICH_ROW = {"id": "e1", "name": "Zoë Ñúñez", "age": 41, "ratio": 0.25, "active": True,
            "manager": None, "tags": ["a", "b"], "address": {"city": "Lyon", "zip": "69001"}}


async def test_raw_data_is_the_latest_synced_row_verbatim(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "e0", "data": {"old": True}}]))
    await ok(await sync(client, tenant, [{"remote_id": "e1", "data": RICH_ROW}]))
    response = await raw_data(client, tenant, connector_token=tenant.connector_token)
    assert response.status == 200
    assert response.content_type == "application/json"
    assert strict_json(await response.text()) == {"data": {"employee": RICH_ROW}}
    assert response.headers["X-Raw-Data-Source"] == "connector_sync"


async def test_raw_data_keeps_the_key_order_of_what_was_synced(client, tenant):
    body = ('{"category": "HRIS", "model": "employee", "records": [{"remote_id": "o1", '
            '"data": {"zeta": 1, "alpha": {"y": 2, "b": 3}, "mid": [3, 1]}}]}')
    await ok(await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                               data=body, headers={**tenant.headers,
                                                   "Content-Type": "application/json"}))
    text = await (await raw_data(client, tenant, connector_token=tenant.connector_token)).text()
    assert text == '{"data":{"employee":{"zeta":1,"alpha":{"y":2,"b":3},"mid":[3,1]}}}'


async def test_a_path_written_against_the_sample_reads_the_same_on_a_synced_row(
        client, tenant):
    """The sample and a synced row have one document shape, {"data": {model: record}}."""
    sample = await ok(await raw_data(client, tenant, integration_slug="workday"))
    path = "data.employee.workerId"
    from_sample = await ok(await preview(client, tenant, path, integration_slug="workday"))
    await ok(await sync(client, tenant, [{"remote_id": "w1",
                                          "data": sample["data"]["employee"]}]))
    from_row = await ok(await preview(client, tenant, path,
                                      connector_token=tenant.connector_token))
    assert from_row["raw_data_source"] == "connector_sync"
    assert from_row["resolved_value"] == from_sample["resolved_value"] is not None
    field_id = await create_field(client, tenant, "worker_id")
    await create_mapping(client, tenant, field_id, path)
    [record] = (await ok(await values(client, tenant)))["records"]
    assert record["values"]["worker_id"] == from_sample["resolved_value"]


async def test_raw_data_follows_the_latest_sync_even_for_an_older_remote_id(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "b", "data": {"row": "b"}}]))
    await ok(await sync(client, tenant, [{"remote_id": "a", "data": {"row": "a"}}]))
    assert await ok(await raw_data(client, tenant, connector_token=tenant.connector_token)) == {
        "data": {"employee": {"row": "a"}}}


async def test_raw_data_without_a_synced_row_is_the_integration_sample(client, tenant):
    response = await raw_data(client, tenant, connector_token=tenant.connector_token)
    sample = await ok(response)
    assert response.headers["X-Raw-Data-Source"] == "integration_sample"
    assert sample and isinstance(sample, dict)
    by_slug = await raw_data(client, tenant, integration_slug="workday")
    assert await ok(by_slug) == sample
    assert by_slug.headers["X-Raw-Data-Source"] == "integration_sample"


async def test_raw_data_of_another_model_ignores_rows_synced_for_this_one(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "e1", "data": RICH_ROW}]))
    response = await raw_data(client, tenant, connector_token=tenant.connector_token,
                              model="department")
    assert await ok(response) != {"data": {"department": RICH_ROW}}
    assert response.headers["X-Raw-Data-Source"] == "integration_sample"


async def test_raw_data_needs_a_connector_or_an_integration(client, tenant):
    await problem(await raw_data(client, tenant), 422, "VALIDATION_ERROR")


async def test_raw_data_of_an_unknown_category_or_model_is_refused(client, tenant):
    await problem(await raw_data(client, tenant, integration_slug="workday", category="NOPE"),
                  422, "UNKNOWN_CATEGORY")
    await problem(await raw_data(client, tenant, integration_slug="workday", model="nope"),
                  422, "UNKNOWN_MODEL")


async def test_raw_data_of_an_integration_not_enabled_is_refused(client, app):
    solo = await make_tenant(app, "solo", integrations=["workday"])
    await problem(await raw_data(client, solo, integration_slug="bamboohr"),
                  422, "INTEGRATION_NOT_ENABLED")


# --- preview ------------------------------------------------------------------------------

VALUE_TYPE_CASES = [
    ("name", "Zoë Ñúñez", "string"), ("age", 41, "number"), ("ratio", 0.25, "number"),
    ("active", True, "boolean"), ("address", RICH_ROW["address"], "object"),
    ("tags", ["a", "b"], "array"), ("manager", None, "null"), ("missing", None, "null"),
]


async def test_preview_reports_the_resolved_value_and_its_type(client, tenant):
    for json_path, value, kind in VALUE_TYPE_CASES:
        body = await ok(await preview(client, tenant, json_path, raw_data=RICH_ROW))
        assert body == {"connector_token": None, "json_path": json_path,
                        "resolved_value": value, "resolved_value_type": kind,
                        "found": json_path != "missing", "raw_data_source": "inline"}


async def test_preview_evaluates_against_the_connectors_latest_synced_row(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "e1", "data": RICH_ROW}]))
    body = await ok(await preview(client, tenant, "data.employee.address.city",
                                  connector_token=tenant.connector_token))
    assert (body["resolved_value"], body["raw_data_source"]) == ("Lyon", "connector_sync")


async def test_preview_falls_back_to_the_integration_sample(client, tenant):
    body = await ok(await preview(client, tenant, "data.employee.workerId",
                                  connector_token=tenant.connector_token))
    assert body["raw_data_source"] == "integration_sample"
    assert body["resolved_value_type"] == "string"
    by_slug = await ok(await preview(client, tenant, "data.employee.workerId",
                                     integration_slug="workday"))
    assert (by_slug["resolved_value"], by_slug["raw_data_source"]) == (
        body["resolved_value"], "integration_sample")


async def test_an_inline_payload_wins_over_the_connectors_rows(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "e1", "data": RICH_ROW}]))
    body = await ok(await preview(client, tenant, "name", raw_data={"name": "inline"},
                                  connector_token=tenant.connector_token))
    assert (body["resolved_value"], body["raw_data_source"]) == ("inline", "inline")


async def test_preview_needs_something_to_evaluate_against(client, tenant):
    await problem(await preview(client, tenant, "name"), 422, "VALIDATION_ERROR")


TYPE_ERROR_CASES = [
    ("abs(name)", {"name": "Ada"}),
    ("sort_by(people, &age)", {"people": [{"age": 1}, {"age": "two"}]}),
    ("max_by(people, &name)", {"people": [{"name": True}, {"name": False}]}),
    ("avg(names)", {"names": ["a", "b"]}),
    ("length(n)", {"n": 5}),
    ("starts_with(n, 'a')", {"n": 5}),
    ("join(',', items)", {"items": [1, 2]}),
    ("keys(items)", {"items": [1]}),
    ("sum(@)", {"a": 1}),
    ("ceil(s)", {"s": "1.5"}),
]


async def test_an_expression_that_fails_on_the_data_is_expression_type_error(client, tenant):
    for json_path, raw in TYPE_ERROR_CASES:
        body = await problem(await preview(client, tenant, json_path, raw_data=raw),
                             422, "EXPRESSION_TYPE_ERROR")
        assert "json_path" in body["errors"]


async def test_preview_checks_the_expression_like_a_mapping(client, tenant):
    for json_path, code in EXPRESSION_CHECKS:
        await problem(await preview(client, tenant, json_path, raw_data={}), 422, code)


async def check_preview_answers_json(client, tenant, cases):
    for json_path, body_text in cases:
        raw = ('{"category": "HRIS", "model": "employee", "json_path": %s, "raw_data": %s}'
               % (json.dumps(json_path), body_text))
        response = await client.post(
            "/api/v1/custom-fields/preview", data=raw,
            headers={**tenant.headers, "Content-Type": "application/json"})
        assert response.status < 500
        body = strict_json(await response.text())
        if response.status == 200:
            assert body["resolved_value_type"] in {"number", "null"}


async def test_preview_of_a_number_answers_valid_json(client, tenant):
    await check_preview_answers_json(client, tenant, [("to_number(x)", '{"x": "1e3"}'),
                                                      ("x", '{"x": 1e300}')])


async def test_preview_of_nan_answers_valid_json(client, tenant):
    await check_preview_answers_json(client, tenant, [("to_number(x)", '{"x": "NaN"}')])


async def test_preview_of_infinity_answers_valid_json(client, tenant):
    await check_preview_answers_json(client, tenant, [("to_number(x)", '{"x": "Infinity"}')])


async def test_preview_of_an_inline_1e999_answers_valid_json(client, tenant):
    await check_preview_answers_json(client, tenant, [("x", '{"x": 1e999}')])


# --- sync ---------------------------------------------------------------------------------

async def test_sync_answers_counts_and_a_digest(client, tenant):
    body = await ok(await sync(client, tenant, [{"remote_id": "e1", "data": {"a": 1}},
                                                {"remote_id": "e2", "data": {"a": 2}}]))
    assert {"received", "inserted", "updated", "unchanged", "digest"} <= body.keys()
    assert (body["received"], body["inserted"], body["updated"], body["unchanged"]) == (
        2, 2, 0, 0)
    assert re.fullmatch(r"[0-9a-f]{64}", body["digest"])
    assert (body["category"], body["model"]) == ("HRIS", "employee")


async def test_syncing_the_same_rows_again_counts_them_unchanged(client, tenant):
    records = [{"remote_id": "e1", "data": {"a": 1}}, {"remote_id": "e2", "data": {"a": 2}}]
    first = await ok(await sync(client, tenant, records))
    again = await ok(await sync(client, tenant, records))
    assert (again["received"], again["inserted"], again["updated"], again["unchanged"]) == (
        2, 0, 0, 2)
    assert again["digest"] == first["digest"]


async def test_syncing_changed_rows_counts_them_updated(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "e1", "data": {"a": 1}}]))
    body = await ok(await sync(client, tenant, [{"remote_id": "e1", "data": {"a": 9}},
                                                {"remote_id": "e2", "data": {"a": 2}}]))
    assert (body["inserted"], body["updated"], body["unchanged"]) == (1, 1, 0)
    assert await ok(await raw_data(client, tenant, connector_token=tenant.connector_token)) == {
        "data": {"employee": {"a": 2}}}


async def test_a_sync_appends_a_connector_synced_event(client, app, tenant):
    before = await last_seq(app)
    body = await ok(await sync(client, tenant, [{"remote_id": "e1", "data": {"a": 1}}]))
    [event] = await app[backend_key].store.read_events(after=before)
    assert event.type == "ConnectorSynced"
    assert event.org_id == tenant.id
    assert event.data["connector_id"] == tenant.connector_id
    assert (event.data["received"], event.data["inserted"], event.data["digest"]) == (
        1, 1, body["digest"])


async def test_a_sync_of_1000_records_is_accepted(client, tenant):
    records = [{"remote_id": f"r{i:04d}", "data": {"i": i}} for i in range(1000)]
    assert (await ok(await sync(client, tenant, records)))["inserted"] == 1000


async def test_a_sync_of_more_than_1000_records_is_too_many_records(client, app, tenant):
    records = [{"remote_id": f"r{i:04d}", "data": {"i": i}} for i in range(1001)]
    before = await last_seq(app)
    await problem(await sync(client, tenant, records), 413, "TOO_MANY_RECORDS")
    assert await last_seq(app) == before


def padded_record(size: int, char: str = "x") -> dict:
    """A record whose compact JSON (UTF-8) is exactly `size` bytes."""
    overhead = len(json.dumps({"a": "", "b": "", "c": "", "d": ""}, separators=(",", ":")))
    width = len(char.encode())
    room = (size - overhead) // width
    assert (size - overhead) % width == 0
    quarter = room // 4  # four strings, each under the 32768-character string bound
    data = {"a": char * quarter, "b": char * quarter, "c": char * quarter,
            "d": char * (room - 3 * quarter)}
    assert len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()) == size
    return data


async def test_a_record_of_65536_bytes_is_accepted(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": "big", "data": padded_record(65536)}]))


async def test_a_record_over_65536_bytes_is_record_too_large(client, app, tenant):
    before = await last_seq(app)
    await problem(await sync(client, tenant, [{"remote_id": "ok", "data": {}},
                                              {"remote_id": "big",
                                               "data": padded_record(65537)}]),
                  413, "RECORD_TOO_LARGE")
    assert await last_seq(app) == before


async def test_a_record_size_is_counted_in_utf8_bytes(client, tenant):
    data = padded_record(60017, "é")  # 29,994 two-byte characters in four strings
    await ok(await sync(client, tenant, [{"remote_id": "accented", "data": data}]))


async def test_syncing_a_model_the_connector_does_not_serve_is_refused(client, tenant):
    await problem(await sync(client, tenant, [{"remote_id": "c", "data": {}}],
                             category="ATS", model="candidate"),
                  422, "INTEGRATION_CATEGORY_MISMATCH")
    await problem(await sync(client, tenant, [{"remote_id": "c", "data": {}}],
                             model="candidate"), 422, "UNKNOWN_MODEL")


async def test_a_sync_body_is_validated(client, tenant):
    body = await problem(await sync(client, tenant, [{"data": "not an object"}]),
                         422, "VALIDATION_ERROR")
    assert "records" in body["errors"]


async def test_a_sync_to_an_unknown_connector_is_404(client, tenant):
    await problem(await sync(client, tenant, [], token="cft_nope"), 404, "CONNECTOR_NOT_FOUND")


async def test_a_synced_row_always_reads_back_as_valid_json(client, tenant):
    text = ('{"category": "HRIS", "model": "employee", "records": '
            '[{"remote_id": "inf", "data": {"x": 1e999}}]}')
    response = await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync", data=text,
                                 headers={**tenant.headers, "Content-Type": "application/json"})
    assert response.status < 500
    if response.status == 200:
        raw = await raw_data(client, tenant, connector_token=tenant.connector_token)
        strict_json(await raw.text())


# --- resolved values ----------------------------------------------------------------------

ROWS = [
    {"remote_id": "e1", "data": {"name": "Ada", "score": "42", "colors": ["Red", "blue"],
                                 "nested": {"n": 7}}},
    {"remote_id": "e2", "data": {"name": "Bob", "score": 3.5, "colors": ["green"],
                                 "nested": {"n": "x"}}},
]


async def test_values_resolve_each_field_on_each_synced_row(client, tenant):
    name = await create_field(client, tenant, "name")
    score = await create_field(client, tenant, "score", type="number")
    colors = await create_field(client, tenant, "colors", type="multiselect",
                                options=[{"value": "red"}, {"value": "Blue"},
                                         {"value": "green"}])
    await create_field(client, tenant, "unmapped")
    await create_mapping(client, tenant, name, "data.employee.name")
    await create_mapping(client, tenant, score, "data.employee.score")
    await create_mapping(client, tenant, colors, "data.employee.colors")
    await ok(await sync(client, tenant, ROWS))
    body = await ok(await values(client, tenant))
    assert body.keys() == VALUES_KEYS
    assert (body["connector_token"], body["integration_slug"], body["category"],
            body["model"], body["next_cursor"]) == (tenant.connector_token, "workday", "HRIS",
                                                    "employee", None)
    for record in body["records"]:
        assert record.keys() == VALUES_RECORD_KEYS
        assert isinstance(record["synced_at"], str)
    assert [(r["remote_id"], r["values"], r["errors"]) for r in body["records"]] == [
        ("e1", {"name": "Ada", "score": 42, "colors": ["red", "Blue"], "unmapped": None}, {}),
        ("e2", {"name": "Bob", "score": 3.5, "colors": ["green"], "unmapped": None}, {}),
    ]


async def test_a_number_field_mapped_to_text_is_a_per_field_error(client, tenant):
    name = await create_field(client, tenant, "name")
    age = await create_field(client, tenant, "age", type="number")
    await create_mapping(client, tenant, name, "data.employee.name")
    await create_mapping(client, tenant, age, "data.employee.name")
    await ok(await sync(client, tenant, ROWS[:1]))
    [record] = (await ok(await values(client, tenant)))["records"]
    assert record["values"] == {"name": "Ada", "age": None}
    assert record["errors"].keys() == {"age"}
    assert record["errors"]["age"]["code"] == "TYPE_MISMATCH"
    assert record["errors"]["age"]["detail"]


async def test_a_mapping_failing_at_evaluation_is_a_per_field_error(client, tenant):
    name = await create_field(client, tenant, "name")
    broken = await create_field(client, tenant, "broken", type="number")
    await create_mapping(client, tenant, name, "data.employee.name")
    await create_mapping(client, tenant, broken, "abs(data.employee.nested.n)")
    await ok(await sync(client, tenant, ROWS))
    records = (await ok(await values(client, tenant)))["records"]
    assert [(r["values"], {k: e["code"] for k, e in r["errors"].items()}) for r in records] == [
        ({"name": "Ada", "broken": 7}, {}),
        ({"name": "Bob", "broken": None}, {"broken": "EXPRESSION_TYPE_ERROR"}),
    ]


async def test_a_value_that_is_not_an_option_is_unknown_option(client, tenant):
    colors = await create_field(client, tenant, "colors", type="multiselect",
                                options=[{"value": "red"}])
    await create_mapping(client, tenant, colors, "data.employee.colors")
    await ok(await sync(client, tenant, ROWS[:1]))
    [record] = (await ok(await values(client, tenant)))["records"]
    assert record["errors"]["colors"]["code"] == "UNKNOWN_OPTION"


async def test_values_use_the_effective_mapping_of_the_connector(client, tenant):
    name = await create_field(client, tenant, "name")
    await create_mapping(client, tenant, name, "data.employee.name")
    await create_mapping(client, tenant, name, "data.employee.nested.n",
                         connector_token=tenant.connector_token)
    await ok(await sync(client, tenant, ROWS[:1]))
    [record] = (await ok(await values(client, tenant)))["records"]
    assert record["values"] == {"name": "7"}


async def test_values_are_paginated_by_remote_id(client, tenant):
    await ok(await sync(client, tenant, [{"remote_id": r, "data": {}} for r in "cab"]))
    first = await ok(await values(client, tenant, limit=2))
    assert [r["remote_id"] for r in first["records"]] == ["a", "b"]
    rest = await ok(await values(client, tenant, limit=2, cursor=first["next_cursor"]))
    assert [r["remote_id"] for r in rest["records"]] == ["c"]
    assert rest["next_cursor"] is None
    await problem(await values(client, tenant, limit=201), 422, "PAGE_SIZE_TOO_LARGE")


async def test_values_of_an_unknown_connector_are_404(client, tenant):
    await problem(await values(client, tenant, connector_token="cft_nope"), 404,
                  "CONNECTOR_NOT_FOUND")


async def test_values_always_answer_valid_json(client, tenant):
    score = await create_field(client, tenant, "score", type="number")
    await create_mapping(client, tenant, score, "to_number(data.employee.score)")
    await ok(await sync(client, tenant, [{"remote_id": "nan", "data": {"score": "NaN"}}]))
    response = await values(client, tenant)
    assert response.status == 200
    [record] = strict_json(await response.text())["records"]
    assert record["errors"]["score"]["code"] == "TYPE_MISMATCH"


# --- lookups and connectors ---------------------------------------------------------------

async def test_lookup_models_lists_the_models_of_a_category(client, tenant):
    body = await ok(await client.get("/api/v1/lookup/models", headers=tenant.headers,
                                     params={"category": "HRIS"}))
    assert body == {"models": [
        {"slug": "employee", "display_name": "Employee", "category": "HRIS"},
        {"slug": "department", "display_name": "Department", "category": "HRIS"}]}


async def test_lookup_integrations_shows_only_the_enabled_integrations(client, app):
    solo = await make_tenant(app, "solo", integrations=["workday"])
    everything = await ok(await client.get("/api/v1/lookup/integrations", headers=solo.headers))
    assert everything == {"integrations": [
        {"slug": "workday", "display_name": "Workday", "categories": ["HRIS"]}]}
    ats = await ok(await client.get("/api/v1/lookup/integrations", headers=solo.headers,
                                    params={"category": "ATS"}))
    assert ats == {"integrations": []}


async def test_lookup_integrations_filters_by_category(client, tenant):
    body = await ok(await client.get("/api/v1/lookup/integrations", headers=tenant.headers,
                                     params={"category": "ATS"}))
    assert sorted(i["slug"] for i in body["integrations"]) == ["greenhouse", "lever"]


async def test_a_lookup_of_an_unknown_category_is_unknown_category(client, tenant):
    for path in ("/api/v1/lookup/models", "/api/v1/lookup/integrations"):
        for category in ("hris", "PAYROLL", ""):
            await problem(await client.get(path, headers=tenant.headers,
                                           params={"category": category}),
                          422, "UNKNOWN_CATEGORY")


async def test_creating_a_connector_answers_201_with_its_token(client, tenant):
    body = await create_connector(client, tenant, "lever", name="Lever EU")
    assert body.keys() == CONNECTOR_CREATED_KEYS
    assert (body["integration_slug"], body["name"]) == ("lever", "Lever EU")
    assert body["connector_token"] and body["connector_token"] != tenant.connector_token


async def test_a_connector_of_an_integration_not_enabled_is_refused(client, app):
    solo = await make_tenant(app, "solo", integrations=["workday"])
    await problem(await client.post("/api/v1/connectors", headers=solo.headers,
                                    json={"integration_slug": "lever"}),
                  422, "INTEGRATION_NOT_ENABLED")
    response = await client.post("/api/v1/connectors", headers=solo.headers,
                                 json={"integration_slug": "no-such-vendor"})
    assert response.status in (404, 422)


async def test_connectors_are_listed_and_paginated(client, tenant):
    made = [tenant.connector_id] + [
        (await create_connector(client, tenant, slug))["id"] for slug in ("lever", "hubspot")]
    body = await ok(await client.get("/api/v1/connectors", headers=tenant.headers))
    assert body.keys() == {"connectors", "next_cursor"}
    assert [c["id"] for c in body["connectors"]] == made
    assert body["connectors"][0]["connector_token"] == tenant.connector_token
    seen, cursor = [], None
    while True:
        page = await ok(await client.get("/api/v1/connectors", headers=tenant.headers,
                                         params={"limit": 2, **({"cursor": cursor}
                                                                if cursor else {})}))
        seen += [c["id"] for c in page["connectors"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    await problem(await client.get("/api/v1/connectors", headers=tenant.headers,
                                   params={"limit": 201}), 422, "PAGE_SIZE_TOO_LARGE")


async def test_a_sync_of_a_new_connector_shows_in_its_raw_data(client, tenant):
    lever = await create_connector(client, tenant, "lever")
    response = await sync(client, tenant, [{"remote_id": "c1", "data": {"cand": 1}}],
                          token=lever["connector_token"], category="ATS", model="candidate")
    await ok(response)
    raw = await raw_data(client, tenant, connector_token=lever["connector_token"],
                         category="ATS", model="candidate")
    assert await ok(raw) == {"data": {"candidate": {"cand": 1}}}


async def test_integers_beyond_64_bits_keep_every_digit(client, tenant):
    big = 123456789012345678901234567890
    inline = await ok(await preview(client, tenant, "id", raw_data={"id": big}))
    assert inline["resolved_value"] == big
    await ok(await sync(client, tenant, [{"remote_id": "big", "data": {"id": big}}]))
    synced = await ok(await preview(client, tenant, "data.employee.id",
                                    connector_token=tenant.connector_token))
    assert synced["resolved_value"] == big
    raw = await client.get("/api/v1/custom-fields/raw-data", headers=tenant.headers,
                           params={**EMPLOYEE, "connector_token": tenant.connector_token})
    assert str(big) in await raw.text()
