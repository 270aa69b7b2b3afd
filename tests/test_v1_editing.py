"""Every field is editable through the v1 API too: PATCH of a field (name, description,
safe type changes, number format), the options of multiselect fields of any model, and
the boolean and date types in both APIs, with the same rules, codes and ETags as the
persons API."""

import pytest

from tests.answers import answer, problem

F = "/api/v1/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}


async def create(client, tenant, **body) -> str:
    return (await answer(await client.post(F, headers=tenant.headers,
                                           json={**EMPLOYEE, **body}), 201))["id"]


async def get(client, tenant, field_id: str) -> tuple[dict, str]:
    response = await client.get(f"{F}/{field_id}", headers=tenant.headers)
    return await answer(response), response.headers["ETag"]


async def patch(client, tenant, field_id: str, body: dict, **headers):
    return await client.patch(f"{F}/{field_id}", headers={**tenant.headers, **headers},
                              json=body)


# --- PATCH /api/v1/custom-fields/{id} -------------------------------------------------------

async def test_a_v1_field_is_renamed_and_described(client, tenant):
    field_id = await create(client, tenant, name="badge")
    response = await patch(client, tenant, field_id, {"name": "badge_code",
                                                      "description": "From the HRIS"})
    assert await answer(response) == {"id": field_id, "status": "SUCCESS"}
    field, tag = await get(client, tenant, field_id)
    assert (field["name"], field["description"]) == ("badge_code", "From the HRIS")
    assert response.headers["ETag"] == tag


@pytest.mark.parametrize("body, key", [
    ({"name": "Not Snake"}, "name"), ({"name": "x"}, "name"), ({"type": "spaceship"}, "type"),
    ({"number_format": {"format": "GBP"}}, "number_format"), ({"unknown": 1}, "unknown"),
    ({"options": [{"value": "a"}]}, "options"),
])
async def test_a_bad_patch_is_422_naming_the_attribute(client, tenant, body, key):
    field_id = await create(client, tenant, name="badge")
    body = await problem(await patch(client, tenant, field_id, body), 422, "VALIDATION_ERROR")
    assert key in body["errors"], body


async def test_options_in_a_field_patch_point_to_the_option_routes(client, tenant):
    field_id = await create(client, tenant, name="skills", type="multiselect")
    body = await problem(await patch(client, tenant, field_id, {"options": []}), 422,
                         "VALIDATION_ERROR")
    assert "/options" in body["errors"]["options"][0]


async def test_type_changes_are_the_safe_ones_only(client, tenant):
    number = await create(client, tenant, name="bonus", type="number",
                          number_format={"format": "USD", "decimal": 2})
    await answer(await patch(client, tenant, number, {"type": "text"}))
    field, _ = await get(client, tenant, number)
    assert (field["type"], field["number_format"]) == ("text", None)
    await problem(await patch(client, tenant, number, {"type": "number"}), 409,
                  "UNSAFE_TYPE_CHANGE")
    skills = await create(client, tenant, name="skills", type="multiselect",
                          options=[{"value": "Go"}])
    await problem(await patch(client, tenant, skills, {"type": "text"}), 409,
                  "UNSAFE_TYPE_CHANGE")


async def test_a_number_format_only_on_number_fields(client, tenant):
    text = await create(client, tenant, name="note")
    body = await problem(await patch(client, tenant, text, {
        "number_format": {"format": "EUR"}}), 422, "VALIDATION_ERROR")
    assert "number_format" in body["errors"]
    number = await create(client, tenant, name="bonus", type="number")
    await answer(await patch(client, tenant, number, {"number_format": {"format": "EUR"}}))
    assert (await get(client, tenant, number))[0]["number_format"] == {"format": "EUR",
                                                                       "decimal": 0}


async def test_a_rename_to_a_taken_name_is_409(client, tenant):
    await create(client, tenant, name="badge")
    other = await create(client, tenant, name="desk")
    await problem(await patch(client, tenant, other, {"name": "BADGE".lower()}), 409,
                  "DUPLICATE_NAME")


async def test_if_match_takes_the_v1_tag_which_covers_mappings(client, tenant):
    field_id = await create(client, tenant, name="badge")
    _, tag = await get(client, tenant, field_id)
    await answer(await client.post(F + "/mapping", headers=tenant.headers, json={
        "custom_field_id": field_id, "integration_slug": "workday", "json_path": "a"}), 201)
    await problem(await patch(client, tenant, field_id, {"description": "x"},
                              **{"If-Match": tag}), 412, "PRECONDITION_FAILED")
    _, fresh = await get(client, tenant, field_id)
    await answer(await patch(client, tenant, field_id, {"description": "x"},
                             **{"If-Match": fresh}))


async def test_another_organizations_field_is_404(client, tenant, other_tenant):
    field_id = await create(client, tenant, name="badge")
    await problem(await patch(client, other_tenant, field_id, {"description": "x"}), 404,
                  "NOT_FOUND")
    assert (await get(client, tenant, field_id))[0]["description"] is None


# --- options of multiselect fields of any model -----------------------------------------------

async def test_the_options_of_an_hris_multiselect_are_managed_through_v1(client, tenant):
    field_id = await create(client, tenant, name="skills", type="multiselect",
                            options=[{"value": "Python"}])
    path = f"{F}/{field_id}/options"
    added = await answer(await client.post(path, headers=tenant.headers,
                                           json={"value": " Go ", "color": "#00add8"}), 201)
    assert added == {"id": added["id"], "value": "Go", "color": "#00ADD8"}
    plain = await answer(await client.post(path, headers=tenant.headers,
                                           json={"value": "Rust"}), 201)
    assert plain.keys() == {"id", "value"}
    await problem(await client.post(path, headers=tenant.headers, json={"value": "go"}), 409,
                  "DUPLICATE_OPTION")
    renamed = await answer(await client.patch(f"{path}/{plain['id']}", headers=tenant.headers,
                                              json={"value": "Rust lang"}))
    assert renamed["value"] == "Rust lang"
    field, _ = await get(client, tenant, field_id)
    ids = [o["id"] for o in field["options"]]
    assert [o["value"] for o in field["options"]] == ["Python", "Go", "Rust lang"]
    ordered = await client.put(f"{path}/order", headers=tenant.headers,
                               json={"option_ids": ids[::-1]})
    assert await answer(ordered) == {"id": field_id, "status": "SUCCESS"}
    field, tag = await get(client, tenant, field_id)
    assert [o["value"] for o in field["options"]] == ["Rust lang", "Go", "Python"]
    assert [o["order"] for o in field["options"]] == [0, 1, 2]
    assert ordered.headers["ETag"] == tag
    removed = await client.delete(f"{path}/{ids[0]}", headers=tenant.headers)
    assert await answer(removed) == {"id": ids[0], "status": "SUCCESS"}
    field, _ = await get(client, tenant, field_id)
    assert [o["value"] for o in field["options"]] == ["Rust lang", "Go"]


async def test_option_routes_refuse_what_the_persons_api_refuses(client, tenant):
    text = await create(client, tenant, name="note")
    await problem(await client.post(f"{F}/{text}/options", headers=tenant.headers,
                                    json={"value": "a"}), 422, "NOT_MULTISELECT")
    skills = await create(client, tenant, name="skills", type="multiselect",
                          options=[{"value": "a"}, {"value": "b"}])
    await problem(await client.put(f"{F}/{skills}/options/order", headers=tenant.headers,
                                   json={"option_ids": ["nope"]}), 422, "INVALID_OPTION_ORDER")
    await problem(await client.patch(f"{F}/{skills}/options/nope", headers=tenant.headers,
                                     json={"value": "c"}), 404, "NOT_FOUND")
    await problem(await client.post(f"{F}/{skills}/options", headers=tenant.headers,
                                    json={"value": "c", "color": "red"}), 422,
                  "VALIDATION_ERROR")


async def test_an_option_added_through_v1_resolves_in_values(client, tenant):
    skills = await create(client, tenant, name="skills", type="multiselect")
    await answer(await client.post(F + "/mapping", headers=tenant.headers, json={
        "custom_field_id": skills, "integration_slug": "workday",
        "json_path": "data.employee.skills"}), 201)
    await answer(await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                                   headers=tenant.headers, json={**EMPLOYEE, "records": [
                                       {"remote_id": "e1", "data": {"skills": ["elixir"]}}]}))
    before = await answer(await client.get(F + "/values", headers=tenant.headers, params={
        "connector_token": tenant.connector_token, **EMPLOYEE}))
    assert before["records"][0]["errors"]["skills"]["code"] == "UNKNOWN_OPTION"
    await answer(await client.post(f"{F}/{skills}/options", headers=tenant.headers,
                                   json={"value": "Elixir"}), 201)
    after = await answer(await client.get(F + "/values", headers=tenant.headers, params={
        "connector_token": tenant.connector_token, **EMPLOYEE}))
    assert after["records"][0]["values"]["skills"] == ["Elixir"]


async def test_an_option_write_with_a_stale_if_match_is_412(client, tenant):
    skills = await create(client, tenant, name="skills", type="multiselect")
    _, tag = await get(client, tenant, skills)
    await answer(await client.post(f"{F}/{skills}/options", headers=tenant.headers,
                                   json={"value": "a"}), 201)
    await problem(await client.post(f"{F}/{skills}/options",
                                    headers={**tenant.headers, "If-Match": tag},
                                    json={"value": "b"}), 412, "PRECONDITION_FAILED")


# --- boolean and date fields ------------------------------------------------------------------

async def resolved(client, tenant, field_type: str, raw_values: list) -> list[tuple]:
    field_id = await create(client, tenant, name=f"{field_type}_field", type=field_type)
    await answer(await client.post(F + "/mapping", headers=tenant.headers, json={
        "custom_field_id": field_id, "integration_slug": "workday",
        "json_path": "data.employee.v"}), 201)
    await answer(await client.post(
        f"/api/v1/connectors/{tenant.connector_token}/sync", headers=tenant.headers,
        json={**EMPLOYEE, "records": [{"remote_id": f"r{i:02d}", "data": {"v": value}}
                                      for i, value in enumerate(raw_values)]}))
    body = await answer(await client.get(F + "/values", headers=tenant.headers, params={
        "connector_token": tenant.connector_token, **EMPLOYEE}))
    name = f"{field_type}_field"
    return [(r["values"][name], r["errors"].get(name, {}).get("code"))
            for r in body["records"]]


async def test_a_boolean_field_takes_booleans_their_strings_and_one_and_zero(client, tenant):
    assert await resolved(client, tenant, "boolean", [
        True, False, "true", "FALSE", " True ", 1, 0, None, "yes", 2, 1.0, "on", [True]]) == [
        (True, None), (False, None), (True, None), (False, None), (True, None), (True, None),
        (False, None), (None, None), (None, "TYPE_MISMATCH"), (None, "TYPE_MISMATCH"),
        (None, "TYPE_MISMATCH"), (None, "TYPE_MISMATCH"), (None, "TYPE_MISMATCH")]


async def test_a_date_field_takes_iso_dates_and_reduces_datetimes_to_their_utc_date(
        client, tenant):
    assert await resolved(client, tenant, "date", [
        "2026-12-01", "2026-12-01T23:30:00-05:00", "2026-12-01T10:00:00Z",
        "2026-12-01T00:30:00+02:00", "12/01/2026", "tomorrow", 20261201, None]) == [
        ("2026-12-01", None), ("2026-12-02", None), ("2026-12-01", None), ("2026-11-30", None),
        (None, "TYPE_MISMATCH"), (None, "TYPE_MISMATCH"), (None, "TYPE_MISMATCH"),
        (None, None)]


@pytest.mark.parametrize("field_type", ["boolean", "date"])
async def test_the_new_types_take_no_options_or_number_format_and_change_only_to_text(
        client, tenant, field_type):
    await problem(await client.post(F, headers=tenant.headers, json={
        **EMPLOYEE, "name": "x_opts", "type": field_type, "options": [{"value": "a"}]}), 422,
        "VALIDATION_ERROR")
    await problem(await client.post(F, headers=tenant.headers, json={
        **EMPLOYEE, "name": "x_format", "type": field_type,
        "number_format": {"format": "USD"}}), 422, "VALIDATION_ERROR")
    field_id = await create(client, tenant, name="flag", type=field_type)
    await problem(await patch(client, tenant, field_id, {"type": "number"}), 409,
                  "UNSAFE_TYPE_CHANGE")
    text = await create(client, tenant, name="plain")
    await problem(await patch(client, tenant, text, {"type": field_type}), 409,
                  "UNSAFE_TYPE_CHANGE")
    await answer(await patch(client, tenant, field_id, {"type": "text"}))


@pytest.mark.parametrize("field_type", ["boolean", "date"])
async def test_the_persons_api_has_the_new_types_too(client, tenant, field_type):
    created = await answer(await client.post("/custom-fields", headers=tenant.persons_headers,
                                             json={"name": "Flag", "type": field_type}), 201)
    assert (created["type"], created["options"]) == (field_type, [])
    listed = await answer(await client.get("/custom-fields", headers=tenant.persons_headers,
                                           params={"type": field_type}))
    assert [f["id"] for f in listed["customFields"]] == [created["id"]]
