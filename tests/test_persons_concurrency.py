"""Parallel writes through the persons API: the store's single writer serializes them and
each command reads the stream version inside its write transaction, so nothing is lost;
If-Match lets a client ask to be refused (412) when someone else wrote first."""

import asyncio

from service.appkeys import backend_key

PARALLEL = 20


async def make_field(client, tenant, body):
    resp = await client.post("/custom-fields", json=body, headers=tenant.persons_headers)
    assert resp.status == 201
    return await resp.json(), resp.headers["ETag"]


async def test_parallel_same_option_value_one_wins(client, tenant):
    field, _ = await make_field(client, tenant, {"name": "Tags", "type": "multiselect"})

    async def add(i):
        value = "vip" if i % 2 else " VIP "  # the same value, case and spaces aside
        resp = await client.post(f"/custom-fields/{field['id']}/options", json={"value": value},
                                 headers=tenant.persons_headers)
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(add(i) for i in range(PARALLEL)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (PARALLEL - 1)
    assert all(body["code"] == "DUPLICATE_OPTION" for status, body in answers if status == 409)
    resp = await client.get(f"/custom-fields/{field['id']}", headers=tenant.persons_headers)
    options = (await resp.json())["options"]
    assert len(options) == 1
    events = await client.app[backend_key].store.stream_events(f"field:{field['id']}")
    assert [e.type for e in events].count("OptionAdded") == 1


async def test_parallel_renames_all_apply(client, tenant):
    field, _ = await make_field(client, tenant, {"name": "Original"})
    names = [f"Name {i}" for i in range(PARALLEL)]

    async def rename(name):
        resp = await client.patch(f"/custom-fields/{field['id']}", json={"name": name},
                                  headers=tenant.persons_headers)
        return resp.status, await resp.json(), resp.headers.get("ETag")

    answers = await asyncio.gather(*(rename(n) for n in names))
    assert [status for status, _, _ in answers] == [200] * PARALLEL
    # each answer shows its own rename, at its own version
    assert [body["name"] for _, body, _ in answers] == names
    assert sorted(int(tag.strip('"')) for _, _, tag in answers) == list(range(2, PARALLEL + 2))
    events = await client.app[backend_key].store.stream_events(f"field:{field['id']}")
    updates = [e for e in events if e.type == "FieldUpdated"]
    assert len(updates) == PARALLEL
    assert sorted(e.data["changes"]["name"] for e in updates) == sorted(names)
    resp = await client.get(f"/custom-fields/{field['id']}", headers=tenant.persons_headers)
    final = (await resp.json())["name"]
    assert final in names
    assert final == updates[-1].data["changes"]["name"]  # last one wins
    assert resp.headers["ETag"] == f'"{PARALLEL + 1}"'


async def test_parallel_renames_with_if_match_one_wins(client, tenant):
    field, tag = await make_field(client, tenant, {"name": "Original"})

    async def rename(i):
        resp = await client.patch(f"/custom-fields/{field['id']}", json={"name": f"Name {i}"},
                                  headers={**tenant.persons_headers, "If-Match": tag})
        return resp.status, await resp.json()

    answers = await asyncio.gather(*(rename(i) for i in range(PARALLEL)))
    assert sorted(status for status, _ in answers) == [200] + [412] * (PARALLEL - 1)
    assert all(body["code"] == "PRECONDITION_FAILED" for status, body in answers
               if status == 412)
    [winner] = [body["name"] for status, body in answers if status == 200]
    events = await client.app[backend_key].store.stream_events(f"field:{field['id']}")
    assert [e.type for e in events] == ["FieldCreated", "FieldUpdated"]
    resp = await client.get(f"/custom-fields/{field['id']}", headers=tenant.persons_headers)
    assert (await resp.json())["name"] == winner


async def test_parallel_creates_same_name_one_wins(client, tenant):
    async def create(i):
        resp = await client.post("/custom-fields", json={"name": "Title" if i % 2 else "TITLE"},
                                 headers=tenant.persons_headers)
        return resp.status

    statuses = await asyncio.gather(*(create(i) for i in range(PARALLEL)))
    assert sorted(statuses) == [201] + [409] * (PARALLEL - 1)
