"""Reverting a field (POST /api/v1/custom-fields/{id}/revert): the definition, options and
mappings of an earlier version come back as new events marked `reverted_to`, through
the same rules as every other write; refusals (a name or a connector the present no
longer allows, a version the field never had, another organization's field, a stale
If-Match) write nothing. The generated sequences are in test_revert_property.py."""

import pytest

from service.commands.tenancy import DisableIntegration
from tests.answers import answer, problem
from tests.conftest import event_count, make_tenant, run

F = "/api/v1/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}
COLOURS = [{"value": "Red", "color": "#FF0000"}, {"value": "Green"}, {"value": "Blue"}]


async def create(client, tenant, **body) -> str:
    return (await answer(await client.post(F, headers=tenant.headers,
                                           json={**EMPLOYEE, **body}), 201))["id"]


async def get(client, tenant, field_id: str) -> tuple[dict, str]:
    response = await client.get(f"{F}/{field_id}", headers=tenant.headers)
    return await answer(response), response.headers["ETag"]


async def write(client, tenant, method: str, path: str, body=None, status: int = 200):
    return await answer(await client.request(method, path, headers=tenant.headers,
                                             json=body), status)


async def map_field(client, tenant, field_id: str, json_path: str, **scope) -> str:
    scope = scope or {"integration_slug": "workday"}
    return (await write(client, tenant, "POST", F + "/mapping", {
        "custom_field_id": field_id, "json_path": json_path, **scope}, 201))["id"]


async def revert(client, tenant, field_id: str, to_version, **headers):
    return await client.post(f"{F}/{field_id}/revert", headers={**tenant.headers, **headers},
                             json={"to_version": to_version})


def version_of(tag: str) -> int:
    return int(tag.strip('"').split(".")[0])


def state(field: dict) -> dict:
    """What a revert restores, from the v1 read: mappings by scope (a mapping that
    comes back is a new one)."""
    return {"definition": {k: field[k] for k in ("name", "description", "type",
                                                 "number_format")},
            "options": [(o["id"], o["value"], o["color"]) for o in field["options"]],
            "mappings": sorted((m["integration_slug"] or "", m["connector_token"] or "",
                                m["json_path"]) for m in field["mappings"])}


async def history(client, tenant, field_id: str) -> list[dict]:
    response = await client.get(f"{F}/{field_id}/history?limit=200", headers=tenant.headers)
    return (await answer(response))["history"]


# --- what comes back ----------------------------------------------------------------------

async def test_a_revert_brings_back_the_definition_options_and_mappings(client, tenant):
    field_id = await create(client, tenant, name="shirt_size", description="Sizes",
                            type="multiselect", options=COLOURS)
    kept = await map_field(client, tenant, field_id, "data.employee.size")
    await map_field(client, tenant, field_id, "data.employee.shirt",
                    connector_token=tenant.connector_token)
    before, tag = await get(client, tenant, field_id)
    red, green, blue = (o["id"] for o in before["options"])

    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"name": "tshirt_size",
                                                             "description": None})
    await write(client, tenant, "PATCH", f"{F}/{field_id}/options/{red}",
                {"value": "Crimson", "color": "#AA0000"})
    await write(client, tenant, "DELETE", f"{F}/{field_id}/options/{green}")
    await write(client, tenant, "POST", f"{F}/{field_id}/options", {"value": "Green"}, 201)
    await write(client, tenant, "PUT", f"{F}/{field_id}/options/order",
                {"option_ids": [blue, red, (await get(client, tenant, field_id))[0]
                                ["options"][-1]["id"]]})
    connector_mapping = [m for m in (await get(client, tenant, field_id))[0]["mappings"]
                         if m["connector_token"]][0]["id"]
    await write(client, tenant, "PATCH", f"{F}/mapping/{kept}", {"json_path": "data.other"})
    await write(client, tenant, "DELETE", f"{F}/mapping/{connector_mapping}")
    await map_field(client, tenant, field_id, "data.bob", integration_slug="hibob")

    reverted = await revert(client, tenant, field_id, version_of(tag))
    body = await answer(reverted)
    now, now_tag = await get(client, tenant, field_id)
    assert body == now and reverted.headers["ETag"] == now_tag
    assert state(now) == state(before)
    # options keep their ids; the mapping still at its scope keeps its id, the one
    # deleted since is a new mapping
    assert [o["id"] for o in now["options"]] == [red, green, blue]
    ids = {m["connector_token"] or m["integration_slug"]: m["id"] for m in now["mappings"]}
    assert ids["workday"] == kept and ids[tenant.connector_token] != connector_mapping
    assert version_of(now_tag) > version_of(tag)


async def test_the_history_shows_the_revert_as_new_events(client, tenant):
    field_id = await create(client, tenant, name="badge", description="one")
    await map_field(client, tenant, field_id, "data.badge")
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"description": "two"})
    earlier = await history(client, tenant, field_id)
    assert [(e["type"], e["field_version"]) for e in earlier] == [
        ("FieldCreated", 1), ("MappingCreated", 1), ("FieldUpdated", 2)]
    assert all(e["reverted_to"] is None for e in earlier)

    await answer(await revert(client, tenant, field_id, 1))
    entries = await history(client, tenant, field_id)
    assert entries[:3] == earlier  # the log is never rewritten
    [entry] = entries[3:]
    assert (entry["type"], entry["field_version"], entry["reverted_to"]) == (
        "FieldUpdated", 3, 1)
    assert (entry["before"], entry["after"]) == ({"description": "two"}, {"description": "one"})
    response = await client.get(f"/api/v1/events?stream_id=field:{field_id}",
                                headers=tenant.headers)
    assert [e["reverted_to"] for e in (await answer(response))["events"]] == [None, None, 1]


async def test_reverting_to_the_current_version_changes_nothing(client, app, tenant):
    field_id = await create(client, tenant, name="badge", type="multiselect", options=COLOURS)
    await map_field(client, tenant, field_id, "data.badge")
    field, tag = await get(client, tenant, field_id)
    count = await event_count(app)
    response = await revert(client, tenant, field_id, version_of(tag))
    assert await answer(response) == field and response.headers["ETag"] == tag
    assert await event_count(app) == count


async def test_a_version_between_two_reads_comes_back_too(client, tenant):
    """A field made with options reaches version 4 at once; at version 1 it had none."""
    field_id = await create(client, tenant, name="colours", type="multiselect", options=COLOURS)
    full, _ = await get(client, tenant, field_id)
    assert (await answer(await revert(client, tenant, field_id, 1)))["options"] == []
    again = await answer(await revert(client, tenant, field_id, 4))
    assert state(again) == state(full)


async def test_swapped_option_values_are_swapped_back(client, tenant):
    field_id = await create(client, tenant, name="level", type="multiselect",
                            options=[{"value": "Low"}, {"value": "High"}, {"value": "Mid"}])
    before, tag = await get(client, tenant, field_id)
    low, high, _ = (o["id"] for o in before["options"])
    for option_id, value in ((low, "Tmp"), (high, "Low"), (low, "High")):
        await write(client, tenant, "PATCH", f"{F}/{field_id}/options/{option_id}",
                    {"value": value})
    await answer(await revert(client, tenant, field_id, version_of(tag)))
    assert state((await get(client, tenant, field_id))[0]) == state(before)


async def test_a_revert_of_a_revert_gives_the_state_before_it(client, tenant):
    field_id = await create(client, tenant, name="badge", type="multiselect", options=COLOURS)
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"name": "badge_code"})
    before, tag = await get(client, tenant, field_id)
    await answer(await revert(client, tenant, field_id, 1))
    await answer(await revert(client, tenant, field_id, version_of(tag)))
    assert state((await get(client, tenant, field_id))[0]) == state(before)


async def test_a_persons_field_is_reverted_through_v1_and_read_back_in_both(client, tenant):
    created = await answer(await client.post("/custom-fields", headers=tenant.persons_headers,
                                             json={"name": "Tier"}), 201)
    await answer(await client.patch(f"/custom-fields/{created['id']}",
                                    headers=tenant.persons_headers, json={"name": "Level"}))
    await answer(await revert(client, tenant, created["id"], 1))
    persons = await client.get(f"/custom-fields/{created['id']}",
                               headers=tenant.persons_headers)
    assert (await answer(persons))["name"] == "Tier"


async def test_an_idempotent_retry_of_a_revert_writes_once(client, app, tenant):
    field_id = await create(client, tenant, name="badge")
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"description": "two"})
    first = await revert(client, tenant, field_id, 1, **{"Idempotency-Key": "rv-1"})
    count = await event_count(app)
    again = await revert(client, tenant, field_id, 1, **{"Idempotency-Key": "rv-1"})
    assert await answer(again) == await answer(first)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await event_count(app) == count


# --- refusals, each writing nothing -------------------------------------------------------

async def refused(client, app, tenant, field_id: str, to_version, status: int, code: str,
                  **headers) -> dict:
    count, (before, _) = await event_count(app), await get(client, tenant, field_id)
    body = await problem(await revert(client, tenant, field_id, to_version, **headers),
                         status, code)
    assert await event_count(app) == count
    assert (await get(client, tenant, field_id))[0] == before
    return body


@pytest.mark.parametrize("to_version, code", [
    (0, "VALIDATION_ERROR"), (-1, "VALIDATION_ERROR"), (3, "UNKNOWN_VERSION"),
    (10**30, "UNKNOWN_VERSION"), ("1", "VALIDATION_ERROR"), (1.5, "VALIDATION_ERROR"),
    (True, "VALIDATION_ERROR"), (None, "VALIDATION_ERROR")])
async def test_a_version_the_field_never_had_is_422(client, app, tenant, to_version, code):
    field_id = await create(client, tenant, name="badge")
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"description": "two"})
    body = await refused(client, app, tenant, field_id, to_version, 422, code)
    assert "to_version" in body["errors"], body


async def test_another_organizations_field_and_a_deleted_field_are_404(client, app, tenant):
    other = await make_tenant(app, "globex")
    theirs = await create(client, other, name="badge")
    await write(client, other, "PATCH", f"{F}/{theirs}", {"description": "two"})
    gone = await create(client, tenant, name="gone")
    await write(client, tenant, "PATCH", f"{F}/{gone}", {"description": "two"})
    await write(client, tenant, "DELETE", f"{F}/{gone}")
    count = await event_count(app)
    for field_id in (theirs, gone, "no-such-field"):
        await problem(await revert(client, tenant, field_id, 1), 404, "NOT_FOUND")
    assert await event_count(app) == count


async def test_an_old_name_another_field_took_is_409(client, app, tenant):
    field_id = await create(client, tenant, name="badge")
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"name": "badge_code"})
    await create(client, tenant, name="badge")
    body = await refused(client, app, tenant, field_id, 1, 409, "DUPLICATE_NAME")
    assert body["detail"] == ("cannot revert to version 1: a field named 'badge' already "
                              "exists on HRIS/employee")


async def test_a_connector_deleted_since_is_409_naming_it(client, app, tenant):
    field_id = await create(client, tenant, name="badge")
    await map_field(client, tenant, field_id, "data.badge",
                    connector_token=tenant.connector_token)
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"description": "two"})
    await write(client, tenant, "DELETE", f"/api/v1/connectors/{tenant.connector_token}")
    body = await refused(client, app, tenant, field_id, 1, 409, "CONNECTOR_DELETED")
    assert tenant.connector_id in body["detail"] and "data.badge" in body["detail"]


async def test_an_integration_disabled_since_is_409_naming_it(client, app, tenant):
    field_id = await create(client, tenant, name="badge")
    mapping = await map_field(client, tenant, field_id, "data.badge", integration_slug="hibob")
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"description": "two"})
    await write(client, tenant, "DELETE", f"{F}/mapping/{mapping}")
    await run(app, DisableIntegration(tenant.slug, "hibob"))
    body = await refused(client, app, tenant, field_id, 1, 409, "INTEGRATION_DISABLED")
    assert "'hibob'" in body["detail"]


async def test_a_revert_needing_an_unsafe_type_change_is_refused_as_the_patch_is(
        client, app, tenant):
    field_id = await create(client, tenant, name="bonus", type="number",
                            number_format={"format": "USD", "decimal": 2})
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"type": "text"})
    patched = await problem(await client.patch(f"{F}/{field_id}", headers=tenant.headers,
                                               json={"type": "number"}),
                            409, "UNSAFE_TYPE_CHANGE")
    body = await refused(client, app, tenant, field_id, 1, 409, "UNSAFE_TYPE_CHANGE")
    assert body["detail"] == "cannot revert to version 1: " + patched["detail"]


async def test_if_match_holds_like_the_fields_other_writes(client, app, tenant):
    field_id = await create(client, tenant, name="badge")
    await write(client, tenant, "PATCH", f"{F}/{field_id}", {"description": "two"})
    _, tag = await get(client, tenant, field_id)
    await map_field(client, tenant, field_id, "data.badge")  # the v1 tag covers mappings
    await refused(client, app, tenant, field_id, 1, 412, "PRECONDITION_FAILED",
                  **{"If-Match": tag})
    for header in ("not-an-etag", f"W/{tag}"):
        status = 400 if header == "not-an-etag" else 412
        code = "INVALID_IF_MATCH" if status == 400 else "PRECONDITION_FAILED"
        await refused(client, app, tenant, field_id, 1, status, code, **{"If-Match": header})
    _, tag = await get(client, tenant, field_id)
    await answer(await revert(client, tenant, field_id, 1, **{"If-Match": tag}))
    await answer(await revert(client, tenant, field_id, 2, **{"If-Match": "*"}))
