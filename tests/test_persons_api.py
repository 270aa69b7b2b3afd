"""The persons API (/custom-fields...), through HTTP: the reference document's examples as
golden tests, every error it names, the rules it is silent on (docs/API.md, "The persons API"), and
round trips with the v1 API over the same (CRM, person) fields."""

import pytest

from service.appkeys import backend_key

FUNDING = {"name": "Funding Round", "type": "multiselect",
           "options": [{"value": "Seed"}, {"value": "Series A"}, {"value": "Series B"}]}


def is_problem(resp, body, status, code):
    assert resp.status == status, body
    assert resp.content_type == "application/problem+json"
    assert body["status"] == status and body["code"] == code
    assert {"type", "title", "detail"} <= set(body)


async def post(client, tenant, path, body, headers=None):
    resp = await client.post(path, json=body,
                             headers={**tenant.persons_headers, **(headers or {})})
    return resp, await resp.json()


async def create(client, tenant, body):
    resp, data = await post(client, tenant, "/custom-fields", body)
    assert resp.status == 201, data
    return data


async def get(client, tenant, path):
    resp = await client.get(path, headers=tenant.persons_headers)
    return resp, await resp.json()


async def patch(client, tenant, path, body, headers=None):
    resp = await client.patch(path, json=body,
                              headers={**tenant.persons_headers, **(headers or {})})
    return resp, await resp.json()


async def delete(client, tenant, path, headers=None):
    resp = await client.delete(path, headers={**tenant.persons_headers, **(headers or {})})
    return resp, (await resp.json() if resp.status != 204 else None)


# --- the document's examples ------------------------------------------------------------------

async def test_create_example_shape(client, tenant):
    resp, body = await post(client, tenant, "/custom-fields", FUNDING)
    assert resp.status == 201
    assert set(body) == {"id", "name", "type", "options"}
    assert body["name"] == "Funding Round" and body["type"] == "multiselect"
    assert [set(o) for o in body["options"]] == [{"id", "value"}] * 3
    assert [o["value"] for o in body["options"]] == ["Seed", "Series A", "Series B"]
    assert len({o["id"] for o in body["options"]}) == 3
    assert resp.headers["ETag"] == '"4"'  # FieldCreated + three OptionAdded


async def test_list_example_shape(client, tenant):
    title = await create(client, tenant, {"name": "Title"})
    tags = await create(client, tenant, {"name": "Tags", "type": "multiselect", "options": [
        {"value": "VIP", "color": "#FFD700"}, {"value": "Board Member", "color": "#4169E1"},
        {"value": "Sponsor", "color": "#32CD32"}]})
    salary = await create(client, tenant, {"name": "Salary", "type": "number"})
    resp, body = await get(client, tenant, "/custom-fields")
    assert resp.status == 200
    assert body == {"customFields": [
        {"id": title["id"], "name": "Title", "type": "text", "options": []},
        {"id": tags["id"], "name": "Tags", "type": "multiselect", "options": [
            {"id": tags["options"][0]["id"], "value": "VIP", "color": "#FFD700"},
            {"id": tags["options"][1]["id"], "value": "Board Member", "color": "#4169E1"},
            {"id": tags["options"][2]["id"], "value": "Sponsor", "color": "#32CD32"}]},
        {"id": salary["id"], "name": "Salary", "type": "number", "options": []},
    ]}


async def test_get_example_shape(client, tenant):
    tags = await create(client, tenant, {"name": "Tags", "type": "multiselect", "options": [
        {"value": "VIP", "color": "#FFD700"}, {"value": "Board Member", "color": "#4169E1"},
        {"value": "Sponsor", "color": "#32CD32"}]})
    resp, body = await get(client, tenant, f"/custom-fields/{tags['id']}")
    assert resp.status == 200
    assert body == tags
    assert resp.headers["ETag"] == '"4"'


async def test_create_option_example_shape(client, tenant):
    field = await create(client, tenant, FUNDING)
    resp, body = await post(client, tenant, f"/custom-fields/{field['id']}/options",
                            {"value": "Series C"})
    assert resp.status == 201
    assert set(body) == {"id", "value"} and body["value"] == "Series C"
    assert resp.headers["ETag"] == '"5"'
    _, again = await get(client, tenant, f"/custom-fields/{field['id']}")
    assert again["options"][-1] == body


# --- auth ---------------------------------------------------------------------------------------

ROUTES = [("GET", "/custom-fields"), ("POST", "/custom-fields"),
          ("GET", "/custom-fields/x"), ("PATCH", "/custom-fields/x"),
          ("DELETE", "/custom-fields/x"), ("POST", "/custom-fields/x/options"),
          ("PUT", "/custom-fields/x/options/order"), ("PATCH", "/custom-fields/x/options/y"),
          ("DELETE", "/custom-fields/x/options/y")]


@pytest.mark.parametrize("method,path", ROUTES)
async def test_auth_on_every_route(client, tenant, other_tenant, method, path):
    resp = await client.request(method, path, headers={"organizationSlug": tenant.slug})
    body = await resp.json()
    is_problem(resp, body, 401, "UNAUTHORIZED")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    resp = await client.request(method, path, headers={"Authorization": "Bearer nope",
                                                       "organizationSlug": tenant.slug})
    is_problem(resp, await resp.json(), 401, "UNAUTHORIZED")
    resp = await client.request(method, path, headers=tenant.headers)
    body = await resp.json()
    assert resp.status == 400 and "organizationSlug" in body["detail"]
    resp = await client.request(method, path, headers={**tenant.headers,
                                                       "organizationSlug": other_tenant.slug})
    is_problem(resp, await resp.json(), 403, "FORBIDDEN")
    resp = await client.request(method, path, headers={**tenant.headers,
                                                       "organizationSlug": "no-such-org"})
    is_problem(resp, await resp.json(), 403, "FORBIDDEN")


# --- creating -----------------------------------------------------------------------------------

async def test_create_defaults_to_text_and_trims_the_name(client, tenant):
    body = await create(client, tenant, {"name": "  Job title  "})
    assert body == {"id": body["id"], "name": "Job title", "type": "text", "options": []}


async def test_create_number_with_format_and_description(client, tenant):
    body = await create(client, tenant, {"name": "Salary", "type": "number",
                                         "description": "Yearly, gross",
                                         "numberFormat": {"format": "EUR", "decimal": 2}})
    assert body["numberFormat"] == {"format": "EUR", "decimal": 2}
    assert body["description"] == "Yearly, gross"
    body = await create(client, tenant, {"name": "Share", "type": "number",
                                         "numberFormat": {"format": "percent"}})
    assert body["numberFormat"] == {"format": "percent", "decimal": 0}


async def test_duplicate_name_case_insensitive(client, tenant, other_tenant):
    await create(client, tenant, {"name": "Funding Round"})
    resp, body = await post(client, tenant, "/custom-fields", {"name": " funding ROUND "})
    is_problem(resp, body, 409, "DUPLICATE_NAME")
    # another organization may use the name
    resp, body = await post(client, other_tenant, "/custom-fields", {"name": "Funding Round"})
    assert resp.status == 201


@pytest.mark.parametrize("payload,key", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 129}, "name"),
    ({"name": 5}, "name"),
    ({"name": None}, "name"),
    ({"name": "A", "type": "currency"}, "type"),
    ({"name": "A", "type": "text", "options": [{"value": "x"}]}, "options"),
    ({"name": "A", "type": "number", "options": [{"value": "x"}]}, "options"),
    ({"name": "A", "numberFormat": {"format": "EUR"}}, "numberFormat"),
    ({"name": "A", "type": "number", "numberFormat": {"format": "GBP"}}, "numberFormat"),
    ({"name": "A", "type": "number", "numberFormat": {"format": "EUR", "decimal": 11}},
     "numberFormat"),
    ({"name": "A", "type": "number", "numberFormat": {"format": "EUR", "decimal": 1.5}},
     "numberFormat"),
    ({"name": "A", "type": "number", "numberFormat": {"decimal": 2}}, "numberFormat"),
    ({"name": "A", "type": "multiselect", "options": [{"value": "  "}]}, "options"),
    ({"name": "A", "type": "multiselect", "options": [{"value": "x" * 256}]}, "options"),
    ({"name": "A", "type": "multiselect", "options": [{"color": "#FFFFFF"}]}, "options"),
    ({"name": "A", "type": "multiselect", "options": [{"value": "x", "color": "red"}]},
     "options"),
    ({"name": "A", "type": "multiselect", "options": [{"value": "x", "color": "#FFF"}]},
     "options"),
    ({"name": "A", "type": "multiselect", "options": "Seed"}, "options"),
    ({"name": "A", "number_format": {"format": "EUR"}}, "number_format"),
    ({"name": "A", "category": "HRIS"}, "category"),
    ({"name": "A", "type": "multiselect", "options": ["Seed"]}, "options"),
    ({"name": "A", "type": "number", "numberFormat": "EUR"}, "numberFormat"),
    ({"name": ["A"]}, "name"),
])
async def test_create_validation(client, tenant, payload, key):
    resp, body = await post(client, tenant, "/custom-fields", payload)
    is_problem(resp, body, 422, "VALIDATION_ERROR")
    assert key in body["errors"], body


async def test_create_options_trimmed_colors_upper_cased(client, tenant):
    body = await create(client, tenant, {"name": "Tier", "type": "multiselect", "options": [
        {"value": "  Gold  ", "color": "#ffd700"}, {"value": "x" * 255}]})
    assert body["options"][0] == {"id": body["options"][0]["id"], "value": "Gold",
                                  "color": "#FFD700"}
    assert body["options"][1]["value"] == "x" * 255


async def test_create_duplicate_options(client, tenant):
    resp, body = await post(client, tenant, "/custom-fields", {
        "name": "Tier", "type": "multiselect", "options": [{"value": "Gold"}, {"value": " gold"}]})
    is_problem(resp, body, 409, "DUPLICATE_OPTION")
    resp, body = await get(client, tenant, "/custom-fields")
    assert body == {"customFields": []}


@pytest.mark.parametrize("raw,code", [(b"", "MALFORMED_JSON"), (b"{", "MALFORMED_JSON"),
                                      (b"[]", "MALFORMED_JSON"), (b'"x"', "MALFORMED_JSON")])
async def test_create_malformed_body_is_400(client, tenant, raw, code):
    resp = await client.post("/custom-fields", data=raw,
                             headers={**tenant.persons_headers,
                                      "Content-Type": "application/json"})
    is_problem(resp, await resp.json(), 400, code)


# --- listing and reading ------------------------------------------------------------------------

async def test_list_type_filter_and_validation(client, tenant):
    await create(client, tenant, {"name": "Title"})
    tags = await create(client, tenant, FUNDING)
    salary = await create(client, tenant, {"name": "Salary", "type": "number"})
    _, body = await get(client, tenant, "/custom-fields?type=multiselect")
    assert body == {"customFields": [tags]}
    _, body = await get(client, tenant, "/custom-fields?type=number")
    assert [f["id"] for f in body["customFields"]] == [salary["id"]]
    resp, body = await get(client, tenant, "/custom-fields?type=currency")
    is_problem(resp, body, 422, "VALIDATION_ERROR")
    assert "type" in body["errors"]


async def test_list_is_per_organization_and_only_crm_person(client, tenant, other_tenant):
    mine = await create(client, tenant, {"name": "Title"})
    await create(client, other_tenant, {"name": "Theirs"})
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "shoe_size", "category": "HRIS", "model": "employee"})
    hris_id = (await resp.json())["id"]
    _, body = await get(client, tenant, "/custom-fields")
    assert [f["id"] for f in body["customFields"]] == [mine["id"]]
    resp, body = await get(client, tenant, f"/custom-fields/{hris_id}")
    is_problem(resp, body, 404, "NOT_FOUND")
    resp, body = await patch(client, tenant, f"/custom-fields/{hris_id}", {"name": "x"})
    is_problem(resp, body, 404, "NOT_FOUND")
    resp, body = await delete(client, tenant, f"/custom-fields/{hris_id}")
    is_problem(resp, body, 404, "NOT_FOUND")


async def test_list_in_creation_order(client, tenant):
    ids = [(await create(client, tenant, {"name": f"F{i}"}))["id"] for i in range(12)]
    _, body = await get(client, tenant, "/custom-fields")
    assert [f["id"] for f in body["customFields"]] == ids


async def test_unknown_or_foreign_field_is_404_everywhere(client, tenant, other_tenant):
    theirs = await create(client, other_tenant, FUNDING)
    option_id = theirs["options"][0]["id"]
    for field_id in ("no-such-id", theirs["id"]):
        base = f"/custom-fields/{field_id}"
        resp, body = await get(client, tenant, base)
        is_problem(resp, body, 404, "NOT_FOUND")
        assert "Seed" not in str(body)
        resp, body = await patch(client, tenant, base, {"name": "Mine"})
        is_problem(resp, body, 404, "NOT_FOUND")
        resp, body = await delete(client, tenant, base)
        is_problem(resp, body, 404, "NOT_FOUND")
        resp, body = await post(client, tenant, base + "/options", {"value": "Series C"})
        is_problem(resp, body, 404, "NOT_FOUND")
        resp = await client.put(base + "/options/order", json={"optionIds": [option_id]},
                                headers=tenant.persons_headers)
        is_problem(resp, await resp.json(), 404, "NOT_FOUND")
        resp, body = await patch(client, tenant, f"{base}/options/{option_id}", {"value": "Z"})
        is_problem(resp, body, 404, "NOT_FOUND")
        resp, body = await delete(client, tenant, f"{base}/options/{option_id}")
        is_problem(resp, body, 404, "NOT_FOUND")
    _, body = await get(client, other_tenant, f"/custom-fields/{theirs['id']}")
    assert body == theirs


# --- options ------------------------------------------------------------------------------------

async def test_option_rules(client, tenant):
    field = await create(client, tenant, FUNDING)
    path = f"/custom-fields/{field['id']}/options"
    resp, body = await post(client, tenant, path, {"value": "  Series C  ", "color": "#aabbcc"})
    assert resp.status == 201
    assert body == {"id": body["id"], "value": "Series C", "color": "#AABBCC"}
    resp, body = await post(client, tenant, path, {"value": "series c"})
    is_problem(resp, body, 409, "DUPLICATE_OPTION")
    resp, body = await post(client, tenant, path, {"value": " SEED "})
    is_problem(resp, body, 409, "DUPLICATE_OPTION")
    for bad in ({}, {"value": ""}, {"value": "   "}, {"value": "x" * 256}, {"value": 3},
                {"value": "ok", "color": "gold"}, {"value": "ok", "color": "#12345G"},
                {"value": "ok", "extra": 1}):
        resp, body = await post(client, tenant, path, bad)
        is_problem(resp, body, 422, "VALIDATION_ERROR")
    resp, body = await post(client, tenant, path, {"value": "y" * 255})
    assert resp.status == 201


@pytest.mark.parametrize("kind", ["text", "number"])
async def test_options_only_on_multiselect(client, tenant, kind):
    field = await create(client, tenant, {"name": "Plain", "type": kind})
    resp, body = await post(client, tenant, f"/custom-fields/{field['id']}/options",
                            {"value": "x"})
    is_problem(resp, body, 422, "NOT_MULTISELECT")


async def test_patch_option(client, tenant):
    field = await create(client, tenant, FUNDING)
    seed, series_a = field["options"][0]["id"], field["options"][1]["id"]
    path = f"/custom-fields/{field['id']}/options/{seed}"
    resp, body = await patch(client, tenant, path, {"value": " Pre-seed ", "color": "#00ff00"})
    assert resp.status == 200
    assert body == {"id": seed, "value": "Pre-seed", "color": "#00FF00"}
    assert resp.headers["ETag"] == '"5"'
    resp, body = await patch(client, tenant, path, {"color": None})
    assert body == {"id": seed, "value": "Pre-seed"}
    resp, body = await patch(client, tenant, path, {"value": "series a"})
    is_problem(resp, body, 409, "DUPLICATE_OPTION")
    resp, body = await patch(client, tenant, path, {"value": "PRE-SEED"})  # own value: fine
    assert resp.status == 200 and body["value"] == "PRE-SEED"
    resp, body = await patch(client, tenant, path, {"color": "blue"})
    is_problem(resp, body, 422, "VALIDATION_ERROR")
    assert "color" in body["errors"]
    resp, body = await patch(client, tenant, f"/custom-fields/{field['id']}/options/nope",
                             {"value": "x"})
    is_problem(resp, body, 404, "NOT_FOUND")
    _, got = await get(client, tenant, f"/custom-fields/{field['id']}")
    assert [o["value"] for o in got["options"]] == ["PRE-SEED", "Series A", "Series B"]
    assert got["options"][1]["id"] == series_a


async def test_delete_option(client, tenant):
    field = await create(client, tenant, FUNDING)
    seed = field["options"][0]["id"]
    resp, body = await delete(client, tenant, f"/custom-fields/{field['id']}/options/{seed}")
    assert resp.status == 204 and await resp.read() == b""
    assert resp.headers["ETag"] == '"5"'  # FieldCreated, 3 OptionAdded, OptionRemoved
    resp, body = await delete(client, tenant, f"/custom-fields/{field['id']}/options/{seed}")
    is_problem(resp, body, 404, "NOT_FOUND")
    _, got = await get(client, tenant, f"/custom-fields/{field['id']}")
    assert [o["value"] for o in got["options"]] == ["Series A", "Series B"]
    # the value is free again
    resp, body = await post(client, tenant, f"/custom-fields/{field['id']}/options",
                            {"value": "seed"})
    assert resp.status == 201


async def test_reorder_options(client, tenant):
    field = await create(client, tenant, FUNDING)
    ids = [o["id"] for o in field["options"]]
    path = f"/custom-fields/{field['id']}/options/order"
    resp = await client.put(path, json={"optionIds": ids[::-1]}, headers=tenant.persons_headers)
    body = await resp.json()
    assert resp.status == 200 and resp.headers["ETag"] == '"5"'
    assert body == {**field, "options": field["options"][::-1]}
    _, got = await get(client, tenant, f"/custom-fields/{field['id']}")
    assert got == body
    for bad in ({"optionIds": ids[:2]}, {"optionIds": ids + ["x"]},
                {"optionIds": [ids[0], ids[0], ids[1]]}):
        resp = await client.put(path, json=bad, headers=tenant.persons_headers)
        is_problem(resp, await resp.json(), 422, "INVALID_OPTION_ORDER")
    for bad in ({}, {"optionIds": []}, {"optionIds": "x"}, {"option_ids": ids}):
        resp = await client.put(path, json=bad, headers=tenant.persons_headers)
        body = await resp.json()
        is_problem(resp, body, 422, "VALIDATION_ERROR")


async def test_option_routes_methods(client, tenant):
    field = await create(client, tenant, FUNDING)
    resp = await client.get(f"/custom-fields/{field['id']}/options",
                            headers=tenant.persons_headers)
    is_problem(resp, await resp.json(), 405, "METHOD_NOT_ALLOWED")
    # "order" is not an option id
    resp, body = await patch(client, tenant, f"/custom-fields/{field['id']}/options/order",
                             {"value": "x"})
    is_problem(resp, body, 404, "NOT_FOUND")


# --- changing and deleting fields ---------------------------------------------------------------

async def test_patch_field(client, tenant):
    field = await create(client, tenant, {"name": "Salary", "type": "number"})
    path = f"/custom-fields/{field['id']}"
    resp, body = await patch(client, tenant, path, {
        "name": "  Base salary ", "description": "gross",
        "numberFormat": {"format": "USD", "decimal": 2}})
    assert resp.status == 200 and resp.headers["ETag"] == '"2"'
    assert body == {"id": field["id"], "name": "Base salary", "type": "number", "options": [],
                    "description": "gross", "numberFormat": {"format": "USD", "decimal": 2}}
    resp, again = await patch(client, tenant, path, {})  # nothing to change: no event
    assert resp.status == 200 and again == body and resp.headers["ETag"] == '"2"'
    resp, body = await patch(client, tenant, path, {"description": None, "numberFormat": None})
    assert body == {"id": field["id"], "name": "Base salary", "type": "number", "options": []}
    _, got = await get(client, tenant, path)
    assert got == body


async def test_patch_field_validation_and_conflicts(client, tenant):
    await create(client, tenant, {"name": "Title"})
    field = await create(client, tenant, {"name": "Notes"})
    path = f"/custom-fields/{field['id']}"
    for bad, key in (({"name": ""}, "name"), ({"name": "x" * 129}, "name"),
                     ({"type": "currency"}, "type"), ({"options": []}, "options"),
                     ({"numberFormat": {"format": "XYZ"}}, "numberFormat"),
                     ({"numberFormat": {"format": "EUR"}}, "numberFormat")):
        resp, body = await patch(client, tenant, path, bad)
        is_problem(resp, body, 422, "VALIDATION_ERROR")
        assert key in body["errors"], body
    resp, body = await patch(client, tenant, path, {"name": "TITLE"})
    is_problem(resp, body, 409, "DUPLICATE_NAME")
    resp, body = await patch(client, tenant, path, {"name": "NOTES"})  # its own name
    assert resp.status == 200 and body["name"] == "NOTES"


async def test_type_changes(client, tenant):
    number = await create(client, tenant, {"name": "N", "type": "number",
                                           "numberFormat": {"format": "EUR"}})
    resp, body = await patch(client, tenant, f"/custom-fields/{number['id']}", {"type": "text"})
    assert resp.status == 200
    assert body == {"id": number["id"], "name": "N", "type": "text", "options": []}
    empty = await create(client, tenant, {"name": "M", "type": "multiselect"})
    resp, body = await patch(client, tenant, f"/custom-fields/{empty['id']}", {"type": "text"})
    assert resp.status == 200 and body["type"] == "text"
    full = await create(client, tenant, FUNDING)
    text = await create(client, tenant, {"name": "T"})
    for field, kind in ((full, "text"), (text, "number"), (text, "multiselect"),
                        (body, "number"), (full, "number")):
        resp, problem = await patch(client, tenant, f"/custom-fields/{field['id']}",
                                    {"type": kind})
        is_problem(resp, problem, 409, "UNSAFE_TYPE_CHANGE")
    # after its options are gone, a multiselect field may become text
    for option in full["options"]:
        resp, _ = await delete(client, tenant,
                               f"/custom-fields/{full['id']}/options/{option['id']}")
        assert resp.status == 204
    resp, body = await patch(client, tenant, f"/custom-fields/{full['id']}", {"type": "text"})
    assert resp.status == 200 and body["type"] == "text"


async def test_delete_field(client, tenant):
    field = await create(client, tenant, FUNDING)
    path = f"/custom-fields/{field['id']}"
    resp, body = await delete(client, tenant, path)
    assert resp.status == 204 and await resp.read() == b""
    resp, body = await get(client, tenant, path)
    is_problem(resp, body, 404, "NOT_FOUND")
    resp, body = await delete(client, tenant, path)
    is_problem(resp, body, 404, "NOT_FOUND")
    # the name is free again
    await create(client, tenant, {"name": "funding round"})
    events = await client.app[backend_key].store.stream_events(f"field:{field['id']}")
    assert [e.type for e in events][-4:] == ["OptionRemoved"] * 3 + ["FieldDeleted"]


async def test_every_change_is_an_event(client, tenant):
    field = await create(client, tenant, FUNDING)
    base = f"/custom-fields/{field['id']}"
    ids = [o["id"] for o in field["options"]]
    await patch(client, tenant, base, {"name": "Round"})
    await post(client, tenant, base + "/options", {"value": "Series C"})
    await patch(client, tenant, f"{base}/options/{ids[0]}", {"color": "#FFFFFF"})
    _, got = await get(client, tenant, base)
    order = [o["id"] for o in got["options"]][::-1]
    resp = await client.put(base + "/options/order", json={"optionIds": order},
                            headers=tenant.persons_headers)
    assert resp.status == 200
    await delete(client, tenant, f"{base}/options/{order[-1]}")  # the last one: no gap
    events = await client.app[backend_key].store.stream_events(f"field:{field['id']}")
    assert [e.type for e in events] == ["FieldCreated"] + ["OptionAdded"] * 3 + [
        "FieldUpdated", "OptionAdded", "OptionUpdated", "OptionsReordered", "OptionRemoved"]
    assert all(e.metadata.get("source") == "API" for e in events)
    assert all(e.metadata.get("key_id") == tenant.key_id for e in events)


# --- If-Match -----------------------------------------------------------------------------------

async def test_if_match(client, tenant):
    field = await create(client, tenant, FUNDING)
    base = f"/custom-fields/{field['id']}"
    resp, _ = await get(client, tenant, base)
    tag = resp.headers["ETag"]
    resp, body = await patch(client, tenant, base, {"name": "A"}, {"If-Match": tag})
    assert resp.status == 200
    new_tag = resp.headers["ETag"]
    assert new_tag != tag
    resp, body = await patch(client, tenant, base, {"name": "B"}, {"If-Match": tag})
    is_problem(resp, body, 412, "PRECONDITION_FAILED")
    resp, body = await post(client, tenant, base + "/options", {"value": "C"}, {"If-Match": tag})
    is_problem(resp, body, 412, "PRECONDITION_FAILED")
    option = field["options"][0]["id"]
    resp, body = await patch(client, tenant, f"{base}/options/{option}", {"value": "Z"},
                             {"If-Match": tag})
    is_problem(resp, body, 412, "PRECONDITION_FAILED")
    resp, body = await delete(client, tenant, f"{base}/options/{option}", {"If-Match": tag})
    is_problem(resp, body, 412, "PRECONDITION_FAILED")
    resp, body = await delete(client, tenant, base, {"If-Match": tag})
    is_problem(resp, body, 412, "PRECONDITION_FAILED")
    resp, body = await patch(client, tenant, base, {"name": "B"}, {"If-Match": "*"})
    assert resp.status == 200
    for bad in ("abc", '"1", "2"', '"x y"'):
        resp, body = await patch(client, tenant, base, {"name": "C"}, {"If-Match": bad})
        is_problem(resp, body, 400, "INVALID_IF_MATCH")
    # an ETag is quoted; a bare version is not one, and a weak tag never matches (RFC 9110)
    resp, _ = await get(client, tenant, base)
    version = resp.headers["ETag"].strip('"')
    resp, body = await patch(client, tenant, base, {"name": "C"}, {"If-Match": version})
    is_problem(resp, body, 400, "INVALID_IF_MATCH")
    resp, body = await patch(client, tenant, base, {"name": "D"},
                             {"If-Match": f'W/"{version}"'})
    is_problem(resp, body, 412, "PRECONDITION_FAILED")
    resp, _ = await get(client, tenant, base)
    resp, body = await delete(client, tenant, base, {"If-Match": resp.headers["ETag"]})
    assert resp.status == 204


async def test_idempotency_key_on_writes(client, tenant):
    key = {"Idempotency-Key": "create-title-1"}
    first, body = await post(client, tenant, "/custom-fields", {"name": "Title"}, key)
    again, replay = await post(client, tenant, "/custom-fields", {"name": "Title"}, key)
    assert first.status == again.status == 201 and replay == body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    resp, problem = await post(client, tenant, "/custom-fields", {"name": "Other"}, key)
    is_problem(resp, problem, 422, "IDEMPOTENCY_KEY_REUSED")
    _, listed = await get(client, tenant, "/custom-fields")
    assert [f["name"] for f in listed["customFields"]] == ["Title"]
    events = await client.app[backend_key].store.stream_events(f"field:{body['id']}")
    assert len(events) == 1
    key = {"Idempotency-Key": "delete-title-1"}
    first, _ = await delete(client, tenant, f"/custom-fields/{body['id']}", key)
    again, _ = await delete(client, tenant, f"/custom-fields/{body['id']}", key)
    assert first.status == again.status == 204


# --- one domain, two dialects -------------------------------------------------------------------

async def test_persons_field_through_v1(client, tenant):
    field = await create(client, tenant, {"name": "Funding Round", "type": "multiselect",
                                          "options": [{"value": "Seed", "color": "#ffd700"}]})
    resp = await client.get(f"/api/v1/custom-fields/{field['id']}", headers=tenant.headers)
    body = await resp.json()
    assert resp.status == 200
    assert body["name"] == "Funding Round" and body["category"] == "CRM"
    assert body["model"] == "person" and body["type"] == "multiselect"
    assert body["options"] == [{"id": field["options"][0]["id"], "value": "Seed",
                                "color": "#FFD700", "order": 0}]
    assert body["source"] == "API" and body["mappings"] == []
    resp = await client.get("/api/v1/custom-fields?category=CRM&model=person",
                            headers=tenant.headers)
    assert [f["id"] for f in (await resp.json())["custom_fields"]] == [field["id"]]
    resp = await client.delete(f"/api/v1/custom-fields/{field['id']}", headers=tenant.headers)
    assert resp.status == 200
    resp, body = await get(client, tenant, f"/custom-fields/{field['id']}")
    is_problem(resp, body, 404, "NOT_FOUND")


async def test_v1_field_through_persons(client, tenant):
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "deal_stage", "description": "Pipeline stage", "category": "CRM",
        "model": "person", "type": "multiselect",
        "options": [{"value": "Lead"}, {"value": "Won", "color": "#00ff00"}]})
    assert resp.status == 201
    field_id = (await resp.json())["id"]
    resp, body = await get(client, tenant, f"/custom-fields/{field_id}")
    assert resp.status == 200
    lead, won = body["options"]
    assert body == {"id": field_id, "name": "deal_stage", "type": "multiselect",
                    "description": "Pipeline stage",
                    "options": [{"id": lead["id"], "value": "Lead"},
                                {"id": won["id"], "value": "Won", "color": "#00FF00"}]}
    # the persons API takes a display name, not snake_case
    resp, body = await patch(client, tenant, f"/custom-fields/{field_id}",
                             {"name": "Deal Stage"})
    assert resp.status == 200 and body["name"] == "Deal Stage"
    resp = await client.get(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers)
    assert (await resp.json())["name"] == "Deal Stage"
    # names are unique across the dialects (case-insensitively)
    resp, body = await post(client, tenant, "/custom-fields", {"name": "DEAL STAGE"})
    is_problem(resp, body, 409, "DUPLICATE_NAME")
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "deal_stage", "category": "CRM", "model": "person"})
    assert resp.status == 201  # "deal_stage" is free again after the rename
    resp, body = await post(client, tenant, "/custom-fields", {"name": "Deal_Stage"})
    is_problem(resp, body, 409, "DUPLICATE_NAME")
    resp, body = await delete(client, tenant, f"/custom-fields/{field_id}")
    assert resp.status == 204
    resp = await client.get(f"/api/v1/custom-fields/{field_id}", headers=tenant.headers)
    assert resp.status == 404


async def test_same_result_through_either_api(client, tenant):
    """Rendering a field made through one API equals rendering one made through the other."""
    via_persons = await create(client, tenant, {"name": "salary_a", "type": "number",
                                                "numberFormat": {"format": "JPY", "decimal": 0}})
    resp = await client.post("/api/v1/custom-fields", headers=tenant.headers, json={
        "name": "salary_b", "category": "CRM", "model": "person", "type": "number",
        "number_format": {"format": "JPY", "decimal": 0}})
    via_v1 = (await resp.json())["id"]
    _, got = await get(client, tenant, f"/custom-fields/{via_v1}")
    assert {**got, "id": None, "name": None} == {**via_persons, "id": None, "name": None}
    first = await (await client.get(f"/api/v1/custom-fields/{via_persons['id']}",
                                    headers=tenant.headers)).json()
    second = await (await client.get(f"/api/v1/custom-fields/{via_v1}",
                                     headers=tenant.headers)).json()
    volatile = ("id", "name", "created_at", "updated_at")
    assert ({k: v for k, v in first.items() if k not in volatile}
            == {k: v for k, v in second.items() if k not in volatile})
