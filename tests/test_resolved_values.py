"""Resolved values kept beside the synced rows (service.resolved, service.refresher),
through HTTP on each backend: stored after a sync and served as evaluated, never served
stale (a changed mapping, type, name or row is answered at once and named in
`recomputing` until the stored values are brought up to date), and dropped with the
connector.

The live answer to compare with is the same page asked for with every field named in
`custom_field_id`, which is evaluated on every read.
"""

import asyncio

import pytest

from service import refresher
from service.appkeys import backend_key, refresher_key
from tests.test_v1_rules import create_field, create_mapping, ok, sync, values

F = "/api/v1/custom-fields"
ROWS = [{"remote_id": f"e{i}", "data": {"name": f"N{i}", "score": str(i), "tags": ["a"]}}
        for i in range(1, 6)]


@pytest.fixture(autouse=True)
def prompt_refresher(monkeypatch):
    monkeypatch.setattr(refresher, "QUIET_SECONDS", 0.01)


async def answer(client, tenant, **params):
    response = await values(client, tenant, **params)
    return await ok(response), response.headers.get("Cache-Control")


async def live(client, tenant, field_ids, **params):
    body, _ = await answer(client, tenant, custom_field_id=field_ids, **params)
    return body["records"]


async def settled(client, tenant, timeout=20.0, **params):
    """The answer once nothing is being recomputed any more."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body, _ = await answer(client, tenant, **params)
        if not body["recomputing"]:
            return body
        assert asyncio.get_running_loop().time() < deadline, body["recomputing"]
        await asyncio.sleep(0.02)


async def three_fields(client, tenant):
    name = await create_field(client, tenant, "name")
    score = await create_field(client, tenant, "score", type="number")
    tags = await create_field(client, tenant, "tags", type="multiselect",
                              options=[{"value": "a"}, {"value": "b"}])
    for field_id, path in ((name, "name"), (score, "score"), (tags, "tags")):
        await create_mapping(client, tenant, field_id, f"data.employee.{path}")
    return [name, score, tags]


async def test_values_are_stored_after_a_sync_and_served_as_evaluated(client, tenant, backend):
    ids = await three_fields(client, tenant)
    await ok(await sync(client, tenant, ROWS))
    body = await settled(client, tenant)
    assert backend.count_rows("resolved_records") == len(ROWS)
    assert body["records"] == await live(client, tenant, ids)
    assert [r["values"]["score"] for r in body["records"]] == [1, 2, 3, 4, 5]
    paged, _ = await answer(client, tenant, limit=2, remote_id=["e2", "e4", "e5"])
    assert [r["remote_id"] for r in paged["records"]] == ["e2", "e4"]
    assert paged["next_cursor"] and paged["recomputing"] == []


async def test_a_changed_mapping_is_answered_at_once_and_named_until_recomputed(
        client, tenant, app, monkeypatch):
    name, score, tags = await three_fields(client, tenant)
    await ok(await sync(client, tenant, ROWS))
    await settled(client, tenant)
    mappings = (await ok(await client.get(f"{F}/{score}", headers=tenant.headers)))["mappings"]
    monkeypatch.setattr(refresher, "QUIET_SECONDS", 3600)  # the background waits now
    monkeypatch.setattr(refresher, "MAX_WAIT_SECONDS", 3600)
    await ok(await client.patch(f"{F}/mapping/{mappings[0]['id']}", headers=tenant.headers,
                                json={"json_path": "length(data.employee.name)"}))
    body, cache_control = await answer(client, tenant)
    assert body["recomputing"] == [score] and cache_control == "no-store"
    assert [r["values"]["score"] for r in body["records"]] == [2] * len(ROWS)
    assert body["records"] == await live(client, tenant, [name, score, tags])
    for scope in await app[backend_key].queries.synced_scopes(tenant.id):
        await app[refresher_key].refresh(tenant.id, scope)
    body, cache_control = await answer(client, tenant)
    assert body["recomputing"] == [] and cache_control is None
    assert [r["values"]["score"] for r in body["records"]] == [2] * len(ROWS)


async def test_a_row_synced_again_is_never_served_stale(client, tenant):
    ids = await three_fields(client, tenant)
    await ok(await sync(client, tenant, ROWS))
    await settled(client, tenant)
    await ok(await sync(client, tenant, [{"remote_id": "e3", "data": {"name": "New"}}]))
    body, _ = await answer(client, tenant)
    assert [r["values"]["name"] for r in body["records"]] == ["N1", "N2", "New", "N4", "N5"]
    assert body["recomputing"] in ([], ids)  # all of e3's fields until it is stored again
    assert (await settled(client, tenant))["records"] == await live(client, tenant, ids)


async def test_renamed_retyped_and_new_fields_show_at_once(client, tenant):
    name, score, tags = await three_fields(client, tenant)
    await ok(await sync(client, tenant, ROWS))
    await settled(client, tenant)
    await ok(await client.patch(f"{F}/{name}", headers=tenant.headers,
                                json={"name": "full_name"}))
    await ok(await client.patch(f"{F}/{score}", headers=tenant.headers, json={"type": "text"}))
    extra = await create_field(client, tenant, "extra")
    body, _ = await answer(client, tenant)
    assert body["records"][0]["values"] == {"full_name": "N1", "score": "1", "tags": ["a"],
                                            "extra": None}
    ids = [name, score, tags, extra]
    assert body["records"] == await live(client, tenant, ids)
    assert set(body["recomputing"]) <= set(ids)
    settled_body = await settled(client, tenant)
    assert settled_body["records"] == await live(client, tenant, ids)
    assert set(settled_body["records"][0]["values"]) == {"full_name", "score", "tags", "extra"}


async def test_a_read_that_meets_stale_rows_has_them_stored_again(client, tenant, backend):
    """No commit tells this process (another replica's change, a new program): the read
    that evaluated the rows asks for them."""
    ids = await three_fields(client, tenant)
    await ok(await sync(client, tenant, ROWS))
    before = await settled(client, tenant)
    backend.outdate_resolved_values()
    # another query string: the answer kept for the first one is still current (no commit
    # moved the change marker) and says the same; this one is computed
    body, _ = await answer(client, tenant, limit=100)
    assert body["recomputing"] == ids and body["records"] == before["records"]
    assert (await settled(client, tenant, limit=99))["records"] == before["records"]


async def test_deleting_the_connector_drops_its_resolved_values(client, tenant, backend):
    await three_fields(client, tenant)
    await ok(await sync(client, tenant, ROWS))
    await settled(client, tenant)
    assert backend.count_rows("resolved_records") == len(ROWS)
    response = await client.delete(f"/api/v1/connectors/{tenant.connector_token}",
                                   headers=tenant.headers)
    assert response.status in (200, 204), await response.text()
    assert backend.count_rows("resolved_records") == 0
