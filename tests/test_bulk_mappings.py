"""Bulk mappings through HTTP: `POST /api/v1/custom-fields/mapping/bulk`.

Up to 500 mapping create bodies in one transaction: all of them are written (201, the
ids in order) or none (422 BATCH_REFUSED, each refused item's problem by its index, as
the single create would answer it, duplicates within the batch included).
"""

import json

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from service.appkeys import backend_key
from tests.answers import answer, problem
from tests.conftest import event_count, make_tenant
from tests.looped import served

F = "/api/v1/custom-fields"
BULK = F + "/mapping/bulk"
EMPLOYEE = {"category": "HRIS", "model": "employee"}
HRIS_INTEGRATIONS = ["bamboohr", "hibob", "personio", "workday"]


async def new_field(client, tenant, name: str, **extra) -> str:
    body = {"name": name, **EMPLOYEE, **extra}
    return (await answer(await client.post(F, headers=tenant.headers, json=body), 201))["id"]


async def mappings_of(client, tenant, field_id: str) -> list[dict]:
    return (await answer(await client.get(f"{F}/{field_id}", headers=tenant.headers)))[
        "mappings"]


async def test_a_bulk_writes_every_mapping_in_one_transaction_and_answers_the_ids_in_order(
        client, app, tenant):
    badge, shirt = (await new_field(client, tenant, "badge"),
                    await new_field(client, tenant, "shirt"))
    items = [{"custom_field_id": badge, "integration_slug": "workday", "json_path": "badge.code"},
             {"custom_field_id": badge, "connector_token": tenant.connector_token,
              "json_path": "  badge.override  "},
             {"custom_field_id": shirt, "integration_slug": "hibob", "json_path": "shirt"}]
    before = await event_count(app)
    response = await client.post(BULK, headers={**tenant.headers, "X-Request-Id": "bulk-1"},
                                 json={"mappings": items})
    body = await answer(response, 201)
    assert list(body) == ["ids"] and len(body["ids"]) == 3
    assert response.headers["Location"] == f"{F}/mapping/{body['ids'][0]}"

    stored = {m["id"]: m for m in await mappings_of(client, tenant, badge)}
    stored.update({m["id"]: m for m in await mappings_of(client, tenant, shirt)})
    assert [(stored[i]["custom_field_id"], stored[i]["integration_slug"],
             stored[i]["connector_token"], stored[i]["json_path"]) for i in body["ids"]] == [
        (badge, "workday", None, "badge.code"),
        (badge, None, tenant.connector_token, "badge.override"),  # trimmed, as one create is
        (shirt, "hibob", None, "shirt")]
    events = [e for e in await app[backend_key].store.read_events() if e.seq > before]
    assert [e.type for e in events] == ["MappingCreated"] * 3
    assert [e.data["mapping_id"] for e in events] == body["ids"]
    assert {e.metadata["request_id"] for e in events} == {"bulk-1"}


async def test_any_refusal_is_422_by_index_as_the_single_create_says_it_and_nothing_is_written(
        client, app, tenant):
    limited = await make_tenant(app, "limited", integrations=["workday", "hubspot"])
    badge = await new_field(client, limited, "badge")
    mapped = await new_field(client, limited, "mapped")
    await answer(await client.post(F + "/mapping", headers=limited.headers, json={
        "custom_field_id": mapped, "integration_slug": "workday", "json_path": "a"}), 201)
    refused_items = {
        1: {"custom_field_id": badge, "integration_slug": "workday"},           # no json_path
        2: {"custom_field_id": "01900000-0000-7000-8000-000000000000",
            "integration_slug": "workday", "json_path": "a"},                   # unknown field
        3: {"custom_field_id": badge, "integration_slug": "hibob", "json_path": "a"},  # off
        4: {"custom_field_id": badge, "integration_slug": "hubspot", "json_path": "a"},  # CRM
        5: {"custom_field_id": badge, "integration_slug": "wrokday", "json_path": "a"},
        6: {"custom_field_id": badge, "connector_token": limited.connector_token,
            "json_path": "a[?"},                                                # bad JMESPath
        7: {"custom_field_id": mapped, "integration_slug": "workday", "json_path": "b"},  # taken
        8: {"custom_field_id": badge, "json_path": "a"},                        # no scope
    }
    valid = {"custom_field_id": badge, "integration_slug": "workday", "json_path": "a"}
    items = [valid, *refused_items.values()]
    before = await event_count(app)
    body = await problem(await client.post(BULK, headers=limited.headers,
                                           json={"mappings": items}), 422, "BATCH_REFUSED")
    assert body["detail"] == "8 of 9 mappings refused; nothing was written"
    assert list(body["errors"]) == [str(i) for i in refused_items]
    assert await event_count(app) == before
    assert await mappings_of(client, limited, badge) == []

    for index, item in refused_items.items():  # each as its own create answers it
        single = await client.post(F + "/mapping", headers=limited.headers, json=item)
        alone = json.loads(await single.text())
        expected = {"status": single.status, "code": alone["code"], "detail": alone["detail"]}
        if "errors" in alone:
            expected["errors"] = alone["errors"]
        assert body["errors"][str(index)] == expected, index
    assert {e["code"] for e in body["errors"].values()} >= {
        "VALIDATION_ERROR", "NOT_FOUND", "INTEGRATION_NOT_ENABLED",
        "INTEGRATION_CATEGORY_MISMATCH", "UNKNOWN_INTEGRATION", "INVALID_JSON_PATH",
        "DUPLICATE_MAPPING"}
    assert await event_count(app) == before


async def test_a_mapping_given_twice_in_the_batch_is_refused_at_the_later_index(
        client, app, tenant):
    badge, shirt = (await new_field(client, tenant, "badge"),
                    await new_field(client, tenant, "shirt"))
    items = [{"custom_field_id": badge, "integration_slug": "workday", "json_path": "a"},
             {"custom_field_id": badge, "connector_token": tenant.connector_token,
              "json_path": "b"},
             {"custom_field_id": shirt, "integration_slug": "workday", "json_path": "c"},
             {"custom_field_id": badge, "integration_slug": "workday", "json_path": "d"},
             {"custom_field_id": badge, "connector_token": tenant.connector_token,
              "json_path": "e"}]
    before = await event_count(app)
    body = await problem(await client.post(BULK, headers=tenant.headers,
                                           json={"mappings": items}), 422, "BATCH_REFUSED")
    assert body["errors"] == {
        "3": {"status": 409, "code": "DUPLICATE_MAPPING",
              "detail": "this field already has a mapping for that integration"},
        "4": {"status": 409, "code": "DUPLICATE_MAPPING",
              "detail": "this field already has a mapping for that connector"}}
    assert await event_count(app) == before


async def test_an_item_that_is_not_an_object_is_refused_at_its_index(client, tenant):
    badge = await new_field(client, tenant, "badge")
    body = await problem(await client.post(BULK, headers=tenant.headers, json={"mappings": [
        {"custom_field_id": badge, "integration_slug": "workday", "json_path": "a"}, "x",
        [1]]}), 422, "BATCH_REFUSED")
    assert set(body["errors"]) == {"1", "2"}
    assert body["errors"]["1"]["errors"] == {"body": [
        "a mapping is a JSON object, as the body of POST /api/v1/custom-fields/mapping"]}


@pytest.mark.parametrize("payload, where", [
    ({}, "mappings"),
    ({"mappings": []}, "mappings"),
    ({"mappings": {"custom_field_id": "x"}}, "mappings"),
    ({"mappings": [], "extra": 1}, "extra"),
])
async def test_the_list_itself_must_be_1_to_500_mappings(client, app, tenant, payload, where):
    before = await event_count(app)
    body = await problem(await client.post(BULK, headers=tenant.headers, json=payload), 422,
                         "VALIDATION_ERROR")
    assert where in body["errors"]
    assert await event_count(app) == before


async def test_500_mappings_go_in_one_request_and_501_are_refused(client, app, tenant):
    names = [f"field_{n:03d}" for n in range(126)]
    await answer(await client.post(F + "/import", headers=tenant.headers, json={
        "format_version": 1, "fields": [{**EMPLOYEE, "name": n} for n in names]}))
    fields = {f["name"]: f["id"] for f in (await answer(await client.get(
        F, headers=tenant.headers, params={"limit": "200"})))["custom_fields"]}
    items = [{"custom_field_id": fields[name], "integration_slug": slug, "json_path": "a"}
             for name in names for slug in HRIS_INTEGRATIONS]
    before = await event_count(app)
    over = await problem(await client.post(BULK, headers=tenant.headers,
                                           json={"mappings": items[:501]}), 422,
                         "VALIDATION_ERROR")
    assert over["errors"] == {"mappings": ["Length must be between 1 and 500."]}
    assert await event_count(app) == before
    made = await answer(await client.post(BULK, headers=tenant.headers,
                                          json={"mappings": items[:500]}), 201)
    assert len(set(made["ids"])) == 500
    assert await event_count(app) == before + 500


async def test_another_organizations_field_or_connector_is_refused_and_shows_nothing_of_it(
        client, app, tenant, other_tenant):
    secret = await new_field(client, tenant, "secret_badge", description="Acme only")
    own = await new_field(client, other_tenant, "own_badge")
    before = await event_count(app, tenant.id)
    response = await client.post(BULK, headers=other_tenant.headers, json={"mappings": [
        {"custom_field_id": secret, "integration_slug": "workday", "json_path": "a"},
        {"custom_field_id": own, "connector_token": tenant.connector_token,
         "json_path": "a"}]})
    body = await problem(response, 422, "BATCH_REFUSED")
    assert {k: v["code"] for k, v in body["errors"].items()} == {
        "0": "NOT_FOUND", "1": "CONNECTOR_NOT_FOUND"}
    assert "secret_badge" not in json.dumps(body) and "Acme only" not in json.dumps(body)
    assert await event_count(app, tenant.id) == before
    assert await mappings_of(client, other_tenant, own) == []


# --- all or nothing, whatever the batch --------------------------------------------------------

SCOPES = ["workday", "bamboohr", "hibob", "connector"]
ITEMS = st.tuples(st.integers(0, 2), st.sampled_from(SCOPES),
                  st.sampled_from(["ok"] * 8 + ["bad_path", "crm_integration"]))


def _item(fields: list[str], token: str, field: int, scope: str, kind: str) -> dict:
    item = {"custom_field_id": fields[field], "json_path": "a.b" if kind != "bad_path" else "a.["}
    if kind == "crm_integration":
        item["integration_slug"] = "hubspot"
    elif scope == "connector":
        item["connector_token"] = token
    else:
        item["integration_slug"] = scope
    return item


EXAMPLES = {"sqlite": 40, "postgresql": 8}  # the same SQL; PostgreSQL's round trips cost more


def test_a_batch_is_written_whole_or_not_at_all(backend, settings):
    """Whatever the batch (valid items, bad expressions, integrations of another category,
    repeats of each other or of what exists), the refused indexes are exactly those a
    model of the rules predicts; with none, every item is written, in order; with any,
    nothing is."""
    with served(settings) as world:
        async def attempt(before: list[tuple[int, str]], batch: list[tuple[int, str, str]]
                          ) -> None:
            tenant = await world.tenant("bulk")
            fields = [await new_field(world.client, tenant, f"field_{n}") for n in range(3)]
            for field, scope in before:
                await answer(await world.client.post(F + "/mapping", headers=tenant.headers,
                                                     json=_item(fields, tenant.connector_token,
                                                                field, scope, "ok")), 201)
            existing, expected = set(before), []
            for index, (field, scope, kind) in enumerate(batch):
                if kind != "ok" or (field, scope) in existing:
                    expected.append(str(index))
                else:
                    existing.add((field, scope))
            count = await event_count(world.app)
            response = await world.client.post(BULK, headers=tenant.headers, json={
                "mappings": [_item(fields, tenant.connector_token, *i) for i in batch]})
            event("refused" if expected else "written")
            if expected:
                body = await problem(response, 422, "BATCH_REFUSED")
                assert list(body["errors"]) == expected
                assert await event_count(world.app) == count
                existing = set(before)
            else:
                made = await answer(response, 201)
                assert len(made["ids"]) == len(batch)
                assert await event_count(world.app) == count + len(batch)
            stored = {(fields.index(m["custom_field_id"]),
                       m["integration_slug"] or "connector")
                      for f in fields for m in await mappings_of(world.client, tenant, f)}
            assert stored == existing

        @hypothesis_settings(max_examples=EXAMPLES[backend.name], deadline=None,
                             derandomize=True, suppress_health_check=[HealthCheck.too_slow])
        @given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(SCOPES)), unique=True,
                        max_size=2), st.lists(ITEMS, min_size=1, max_size=5))
        def holds(before, batch):
            world.run(attempt(before, batch))

        holds()
