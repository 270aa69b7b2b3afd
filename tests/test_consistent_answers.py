"""Consistent answers: the same refusal everywhere it can happen, errors that say how to
fix them, and the HTTP details a client relies on (Location, WWW-Authenticate, charset),
and sync counts that add up."""

import json

import pytest

from tests.answers import answer, problem
from tests.conftest import event_count, make_tenant

F = "/api/v1/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}


# --- the same rule everywhere ----------------------------------------------------------------

async def test_configuration_and_values_of_a_category_the_connector_cannot_serve_are_422(
        client, tenant):
    # the tenant's connector is a Workday one: HRIS only
    for route in ("configuration", "values"):
        body = await problem(await client.get(f"{F}/{route}", headers=tenant.headers, params={
            "connector_token": tenant.connector_token, "category": "ATS",
            "model": "candidate"}), 422, "INTEGRATION_CATEGORY_MISMATCH")
        assert "connector_token" in body["errors"]


async def test_lookup_models_lists_only_categories_an_enabled_integration_serves(client, app):
    hr_only = await make_tenant(app, "hr-only", integrations=["workday"])
    body = await answer(await client.get("/api/v1/lookup/models", headers=hr_only.headers))
    assert {m["category"] for m in body["models"]} == {"HRIS"}
    crm = await answer(await client.get("/api/v1/lookup/models", headers=hr_only.headers,
                                        params={"category": "CRM"}))
    assert crm == {"models": []}


@pytest.mark.parametrize("route", ["raw-data", "preview"])
async def test_a_connector_with_another_integration_named_is_a_contradiction(
        client, tenant, route):
    scope = {**EMPLOYEE, "connector_token": tenant.connector_token}
    for slug, status in (("bamboohr", 422), ("workday", 200)):
        if route == "raw-data":
            response = await client.get(f"{F}/raw-data", headers=tenant.headers,
                                        params={**scope, "integration_slug": slug})
        else:
            response = await client.post(f"{F}/preview", headers=tenant.headers, json={
                **scope, "integration_slug": slug, "json_path": "data"})
        if status == 422:
            body = await problem(response, 422, "CONNECTOR_INTEGRATION_MISMATCH")
            assert "workday" in body["detail"] and "integration_slug" in body["errors"]
        else:
            assert response.status == 200, await response.text()


async def test_list_filters_are_validated_with_their_choices(client, tenant):
    body = await problem(await client.get(F, headers=tenant.headers,
                                          params={"category": "NOPE"}), 422, "UNKNOWN_CATEGORY")
    assert "HRIS" in body["errors"]["category"][0]
    body = await problem(await client.get(F, headers=tenant.headers, params={
        "category": "HRIS", "model": "spaceship"}), 422, "UNKNOWN_MODEL")
    assert "employee" in body["errors"]["model"][0]
    await answer(await client.get(F, headers=tenant.headers, params={"model": "deal"}))


@pytest.mark.parametrize("path", [F, "/api/v1/connectors", "/api/v1/events",
                                  "/api/v1/lookup/models", "/custom-fields"])
async def test_an_unknown_query_parameter_is_422_naming_it(client, tenant, path):
    headers = tenant.persons_headers if path == "/custom-fields" else tenant.headers
    body = await problem(await client.get(path, headers=headers, params={"colour": "red"}),
                         422, "VALIDATION_ERROR")
    assert "colour" in body["errors"]


async def test_a_parameter_given_twice_is_422_unless_it_repeats(client, tenant):
    body = await problem(await client.get(f"{F}?limit=1&limit=2", headers=tenant.headers),
                         422, "VALIDATION_ERROR")
    assert "2 times" in body["errors"]["limit"][0]


async def test_an_unknown_integration_is_one_code_everywhere(client, tenant):
    await problem(await client.post("/api/v1/connectors", headers=tenant.headers,
                                    json={"integration_slug": "nope"}), 422,
                  "UNKNOWN_INTEGRATION")
    await problem(await client.get(f"{F}/raw-data", headers=tenant.headers, params={
        **EMPLOYEE, "integration_slug": "nope"}), 422, "UNKNOWN_INTEGRATION")
    await problem(await client.post(f"{F}/preview", headers=tenant.headers, json={
        **EMPLOYEE, "integration_slug": "nope", "json_path": "a"}), 422, "UNKNOWN_INTEGRATION")
    field = await answer(await client.post(F, headers=tenant.headers,
                                           json={"name": "badge", **EMPLOYEE}), 201)
    await problem(await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": field["id"], "integration_slug": "nope", "json_path": "a"}), 422,
        "UNKNOWN_INTEGRATION")


# --- errors that say how to fix them ----------------------------------------------------------

async def test_no_error_is_keyed_by_schema_internals(client, tenant):
    raw = await problem(await client.get(f"{F}/raw-data", headers=tenant.headers,
                                         params=EMPLOYEE), 422, "VALIDATION_ERROR")
    assert raw["errors"].keys() == {"connector_token", "integration_slug"}
    preview = await problem(await client.post(f"{F}/preview", headers=tenant.headers, json={
        **EMPLOYEE, "json_path": "a"}), 422, "VALIDATION_ERROR")
    assert preview["errors"].keys() == {"raw_data", "connector_token", "integration_slug"}
    mapping = await problem(await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": "x", "json_path": "a"}), 422, "VALIDATION_ERROR")
    assert "exactly one of connector_token or integration_slug" in str(mapping["errors"])
    for body in (raw, preview, mapping):
        assert "_schema" not in json.dumps(body)


async def test_a_mapping_patch_that_changes_the_scope_says_to_recreate(client, tenant):
    field = await answer(await client.post(F, headers=tenant.headers,
                                           json={"name": "badge", **EMPLOYEE}), 201)
    mapping = await answer(await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": field["id"], "integration_slug": "workday", "json_path": "a"}), 201)
    body = await problem(await client.patch(f"{F}/mapping/{mapping['id']}",
                                            headers=tenant.headers,
                                            json={"json_path": "b", "integration_slug": "hibob"}),
                         422, "VALIDATION_ERROR")
    assert "delete" in body["errors"]["integration_slug"][0]


async def test_get_of_the_mapping_route_names_the_mapping_routes(client, tenant):
    response = await client.get(f"{F}/mapping", headers=tenant.headers)
    body = await problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "POST"
    assert "/api/v1/custom-fields/mapping/{mapping_id}" in body["detail"]


async def test_sync_data_that_is_not_an_object_says_so(client, tenant):
    body = await problem(await client.post(
        f"/api/v1/connectors/{tenant.connector_token}/sync", headers=tenant.headers,
        json={**EMPLOYEE, "records": [{"remote_id": "r", "data": [1, 2]}]}), 422,
        "VALIDATION_ERROR")
    assert "JSON object" in json.dumps(body["errors"])


async def test_one_title_per_status(client, tenant):
    routing = await problem(await client.get("/api/v1/no-such-route", headers=tenant.headers),
                            404, "NOT_FOUND")
    domain = await problem(await client.get(f"{F}/01a00000-0000-7000-8000-000000000000",
                                            headers=tenant.headers), 404, "NOT_FOUND")
    root = await problem(await client.get("/no-such-route"), 404, "NOT_FOUND")
    assert routing["title"] == domain["title"] == root["title"] == "Not found"


# --- the HTTP details -------------------------------------------------------------------------

async def test_every_create_answers_its_location(client, tenant):
    field = await client.post(F, headers=tenant.headers, json={"name": "badge", **EMPLOYEE})
    body = await answer(field, 201)
    assert field.headers["Location"] == f"{F}/{body['id']}"
    assert (await client.get(field.headers["Location"], headers=tenant.headers)).status == 200
    mapping = await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": body["id"], "integration_slug": "workday", "json_path": "a"})
    assert mapping.headers["Location"] == f"{F}/mapping/{(await answer(mapping, 201))['id']}"
    connector = await client.post("/api/v1/connectors", headers=tenant.headers,
                                  json={"integration_slug": "hubspot"})
    token = (await answer(connector, 201))["connector_token"]
    assert connector.headers["Location"] == f"/api/v1/connectors/{token}"
    person = await client.post("/custom-fields", headers=tenant.persons_headers,
                               json={"name": "Stage", "type": "multiselect"})
    person_id = (await answer(person, 201))["id"]
    assert person.headers["Location"] == f"/custom-fields/{person_id}"
    for base, headers in ((f"/custom-fields/{person_id}", tenant.persons_headers),
                          (f"{F}/{person_id}", tenant.headers)):
        option = await client.post(f"{base}/options", headers=headers,
                                   json={"value": f"Won {base[:3]}"})
        assert option.headers["Location"] == \
            f"{base}/options/{(await answer(option, 201))['id']}"


async def test_a_wrong_or_revoked_key_is_an_invalid_token_challenge(client, tenant):
    missing = await client.get(F)
    assert missing.status == 401
    assert "error=" not in missing.headers["WWW-Authenticate"]
    wrong = await client.get(F, headers={"Authorization": "Bearer cfk_wrong"})
    assert wrong.status == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]


async def test_every_json_answer_says_utf_8(client, tenant):
    for path, params in ((F, {}), (f"{F}/configuration", {
            "connector_token": tenant.connector_token, **EMPLOYEE}), (f"{F}/raw-data", {
            "integration_slug": "workday", **EMPLOYEE}), (f"{F}/nope", {})):
        response = await client.get(path, headers=tenant.headers, params=params)
        assert response.headers["Content-Type"].endswith("charset=utf-8"), (path, response)


async def test_error_bodies_are_compact_utf_8(client, tenant):
    response = await client.post("/custom-fields", headers=tenant.persons_headers,
                                 json={"name": "Étape", "type": "multiselect"})
    await answer(response, 201)
    again = await client.post("/custom-fields", headers=tenant.persons_headers,
                              json={"name": "étape"})
    text = await again.text()
    assert again.status == 409
    assert "Étape" in text or "étape" in text, text
    assert "\\u00" not in text and '", "' not in text


async def test_errors_about_list_items_are_compact_utf_8_too(client, tenant):
    # the errors of a list's items are keyed by index: integers until they are written
    response = await client.post(
        f"/api/v1/connectors/{tenant.connector_token}/sync", headers=tenant.headers,
        json={**EMPLOYEE, "records": [{"remote_id": "r", "data": {}, "é": 1}]})
    text = await response.text()
    assert response.status == 422, text
    assert '"errors":{"records":{"0":{"é":' in text, text


async def test_the_integration_sample_is_compact_utf_8(client, tenant):
    response = await client.get(f"{F}/raw-data", headers=tenant.headers, params={
        "integration_slug": "workday", **EMPLOYEE})
    text = await response.text()
    assert response.status == 200, text
    assert text.startswith('{"data":{"employee":{'), text[:80]
    assert "\\u00" not in text and '", "' not in text


# --- sync counts ----------------------------------------------------------------------------

async def test_sync_counts_add_up_and_say_how_many_duplicates_were_folded(client, tenant):
    path = f"/api/v1/connectors/{tenant.connector_token}/sync"
    first = await answer(await client.post(path, headers=tenant.headers, json={
        **EMPLOYEE, "records": [{"remote_id": "r1", "data": {"v": 1}},
                                {"remote_id": "r1", "data": {"v": 2}},
                                {"remote_id": "r2", "data": {"v": 1}}]}))
    assert (first["received"], first["inserted"], first["updated"], first["unchanged"],
            first["duplicates"]) == (2, 2, 0, 0, 1)
    again = await answer(await client.post(path, headers=tenant.headers, json={
        **EMPLOYEE, "records": [{"remote_id": "r1", "data": {"v": 2}},
                                {"remote_id": "r2", "data": {"v": 9}}]}))
    assert (again["received"], again["inserted"], again["updated"], again["unchanged"],
            again["duplicates"]) == (2, 0, 1, 1, 0)
    for body in (first, again):
        assert body["received"] == body["inserted"] + body["updated"] + body["unchanged"]
    values = await answer(await client.get(f"{F}/raw-data", headers=tenant.headers, params={
        **EMPLOYEE, "connector_token": tenant.connector_token}))
    assert values == {"data": {"employee": {"v": 9}}}


async def test_text_with_a_nul_character_is_refused_the_same_on_every_backend(
        client, tenant, app):
    """PostgreSQL's text cannot hold U+0000 and SQLite's can: no backend takes it, so the
    answer does not depend on the database; an upstream record's data may hold it."""
    before = await event_count(app)
    response = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "note", "category": "HRIS", "model": "employee", "type": "text",
        "description": "before\u0000after"})
    assert response.status == 422
    body = await response.json()
    assert body["errors"] == {"description": ["no U+0000 characters"]}
    assert "U+0000" in body["detail"] and "remove it" in body["detail"]
    assert await event_count(app) == before
    synced = await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                               headers=tenant.headers, json={
        "category": "HRIS", "model": "employee",
        "records": [{"remote_id": "r1", "data": {"note": "a\u0000b"}}]})
    assert synced.status == 200, await synced.text()
    raw = await client.get("/api/v1/custom-fields/raw-data", headers=tenant.headers, params={
        "connector_token": tenant.connector_token, "category": "HRIS", "model": "employee"})
    assert "a\\u0000b" in await raw.text()
    refused = await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                                headers=tenant.headers, json={
        "category": "HRIS", "model": "employee",
        "records": [{"remote_id": "r\u00002", "data": {}}]})
    assert refused.status == 422, await refused.text()
