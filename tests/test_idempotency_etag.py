"""Safe retries and optimistic concurrency through HTTP (DESIGN sections 6 and 7).

- `Idempotency-Key` on every write route of both APIs (from the route table): a retry with
  the same key and request replays the first answer and writes nothing; the same key
  with another request is 422 IDEMPOTENCY_KEY_REUSED; keys are per organization, hold
  under 20 concurrent retries, survive a restart, are validated (400) and expire.
- `ETag` (the stream version, quoted) on every single-resource GET; `If-Match` on the
  writes that take it: matching -> success, stale -> 412 with nothing written,
  malformed -> 400.
- Rate limiting per API key: 429 RATE_LIMITED with `Retry-After`; off by default.
"""

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from multidict import CIMultiDict

from service.apis import OPERATIONS, declared_routes
from service.app import create_app
from service.appkeys import backend_key
from service.commands.tenancy import IssueKey
from service.settings import Settings
from tests.conftest import Tenant, make_tenant, run
from tests.conftest import event_count as count_events_of

F = "/api/v1/custom-fields"
P = "/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}
PROBLEM = "application/problem+json"

# --- helpers ------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    text: str
    headers: CIMultiDict

    @property
    def body(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def replayed(self) -> bool:
        return self.headers.get("Idempotent-Replayed") == "true"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Any = None


@dataclass(frozen=True)
class Pair:
    call: Call    # the write
    other: Call   # another request (another body, or for DELETE another resource)


@dataclass(frozen=True)
class Case(Pair):
    ok: int       # the write's success status, as its route declares it


async def send(client, tenant: Tenant, call: Call, **headers: str) -> Answer:
    base = tenant.persons_headers if call.path.startswith(P) else tenant.headers
    response = await client.request(call.method, call.path, json=call.body,
                                    headers={**base, **headers})
    return Answer(response.status, await response.text(), CIMultiDict(response.headers))


async def created(client, tenant: Tenant, path: str, body: dict) -> dict:
    answer = await send(client, tenant, Call("POST", path, body))
    assert answer.status == 201, answer.text
    return answer.body


async def event_count(client) -> int:
    return await count_events_of(client.server.app)


def assert_problem(answer: Answer, status: int, code: str) -> dict:
    assert answer.status == status, answer.text
    assert answer.headers.get("Content-Type", "").startswith(PROBLEM)
    body = answer.body
    assert body["code"] == code, body
    return body


# --- one case per write route: what to send, and another request ----------------------------------

async def hris_field(client, tenant, name: str) -> str:
    return (await created(client, tenant, F, {"name": name, **EMPLOYEE}))["id"]


async def mapping_of(client, tenant, field_id: str, integration: str) -> str:
    return (await created(client, tenant, F + "/mapping", {
        "custom_field_id": field_id, "integration_slug": integration, "json_path": "a"}))["id"]


async def stage(client, tenant, name: str = "Stage") -> dict:
    return await created(client, tenant, P, {"name": name, "type": "multiselect", "options": [
        {"value": "Lead"}, {"value": "Won"}, {"value": "Lost"}]})


async def case_v1_create(client, tenant) -> Case:
    return Pair(Call("POST", F, {"name": "idem_field", **EMPLOYEE}),
                Call("POST", F, {"name": "idem_other", **EMPLOYEE}))


async def case_mapping_create(client, tenant) -> Case:
    field = await hris_field(client, tenant, "badge")
    body = {"custom_field_id": field, "integration_slug": "hibob", "json_path": "a"}
    return Pair(Call("POST", F + "/mapping", body),
                Call("POST", F + "/mapping", {**body, "integration_slug": "personio"}))


async def case_mapping_bulk(client, tenant) -> Pair:
    field = await hris_field(client, tenant, "bulk_badge")

    def bulk(*slugs: str) -> dict:
        return {"mappings": [{"custom_field_id": field, "integration_slug": slug,
                              "json_path": "a"} for slug in slugs]}
    return Pair(Call("POST", F + "/mapping/bulk", bulk("hibob", "workday")),
                Call("POST", F + "/mapping/bulk", bulk("personio")))


async def case_import(client, tenant) -> Pair:
    def document(name: str) -> dict:
        return {"format_version": 1, "fields": [{**EMPLOYEE, "name": name}]}
    return Pair(Call("POST", F + "/import", document("imported_one")),
                Call("POST", F + "/import", document("imported_two")))


async def case_mapping_patch(client, tenant) -> Case:
    mapping = await mapping_of(client, tenant, await hris_field(client, tenant, "badge"),
                               "workday")
    path = f"{F}/mapping/{mapping}"
    return Pair(Call("PATCH", path, {"json_path": "x"}), Call("PATCH", path, {"json_path": "y"}))


async def case_mapping_delete(client, tenant) -> Case:
    field = await hris_field(client, tenant, "badge")
    first = await mapping_of(client, tenant, field, "workday")
    second = await mapping_of(client, tenant, field, "bamboohr")
    return Pair(Call("DELETE", f"{F}/mapping/{first}"), Call("DELETE", f"{F}/mapping/{second}"))


async def case_connector_create(client, tenant) -> Case:
    return Pair(Call("POST", "/api/v1/connectors", {"integration_slug": "hubspot"}),
                Call("POST", "/api/v1/connectors", {"integration_slug": "hubspot",
                                                    "name": "Another"}))


async def case_sync(client, tenant) -> Case:
    path = f"/api/v1/connectors/{tenant.connector_token}/sync"
    return Pair(Call("POST", path, {**EMPLOYEE, "records": [{"remote_id": "r1", "data": {}}]}),
                Call("POST", path, {**EMPLOYEE, "records": [{"remote_id": "r2", "data": {}}]}))


async def case_v1_delete(client, tenant) -> Case:
    first, second = (await hris_field(client, tenant, "one"),
                     await hris_field(client, tenant, "two"))
    return Pair(Call("DELETE", f"{F}/{first}"), Call("DELETE", f"{F}/{second}"))


async def case_persons_create(client, tenant) -> Case:
    return Pair(Call("POST", P, {"name": "Idem"}), Call("POST", P, {"name": "Idem Other"}))


async def case_persons_patch(client, tenant) -> Case:
    path = f"{P}/{(await stage(client, tenant))['id']}"
    return Pair(Call("PATCH", path, {"name": "Stage X"}), Call("PATCH", path, {"name": "Stage Y"}))


async def case_persons_delete(client, tenant) -> Case:
    first, second = await stage(client, tenant, "One"), await stage(client, tenant, "Two")
    return Pair(Call("DELETE", f"{P}/{first['id']}"), Call("DELETE", f"{P}/{second['id']}"))


async def case_option_add(client, tenant) -> Case:
    path = f"{P}/{(await stage(client, tenant))['id']}/options"
    return Pair(Call("POST", path, {"value": "Churned"}), Call("POST", path, {"value": "Paused"}))


async def case_option_order(client, tenant) -> Case:
    field = await stage(client, tenant)
    ids = [o["id"] for o in field["options"]]
    path = f"{P}/{field['id']}/options/order"
    return Pair(Call("PUT", path, {"optionIds": ids[::-1]}),
                Call("PUT", path, {"optionIds": [ids[1], ids[0], ids[2]]}))


async def case_option_patch(client, tenant) -> Case:
    field = await stage(client, tenant)
    path = f"{P}/{field['id']}/options/{field['options'][0]['id']}"
    return Pair(Call("PATCH", path, {"value": "Prospect"}),
                Call("PATCH", path, {"value": "Lead 2"}))


async def case_option_delete(client, tenant) -> Case:
    field = await stage(client, tenant)
    first, second = (f"{P}/{field['id']}/options/{o['id']}" for o in field["options"][:2])
    return Pair(Call("DELETE", first), Call("DELETE", second))


async def case_v1_patch(client, tenant) -> Pair:
    path = f"{F}/{await hris_field(client, tenant, 'patched')}"
    return Pair(Call("PATCH", path, {"description": "one"}),
                Call("PATCH", path, {"description": "two"}))


async def case_v1_revert(client, tenant) -> Pair:
    path = f"{F}/{await hris_field(client, tenant, 'reverted')}"
    for description in ("one", "two"):
        assert (await send(client, tenant, Call("PATCH", path, {"description": description}))
                ).status == 200
    return Pair(Call("POST", path + "/revert", {"to_version": 1}),
                Call("POST", path + "/revert", {"to_version": 2}))


async def case_v1_option_add(client, tenant) -> Pair:
    path = f"{F}/{(await stage(client, tenant))['id']}/options"
    return Pair(Call("POST", path, {"value": "Churned"}), Call("POST", path, {"value": "Paused"}))


async def case_v1_option_order(client, tenant) -> Pair:
    field = await stage(client, tenant)
    ids = [o["id"] for o in field["options"]]
    path = f"{F}/{field['id']}/options/order"
    return Pair(Call("PUT", path, {"option_ids": ids[::-1]}),
                Call("PUT", path, {"option_ids": [ids[1], ids[0], ids[2]]}))


async def case_v1_option_patch(client, tenant) -> Pair:
    field = await stage(client, tenant)
    path = f"{F}/{field['id']}/options/{field['options'][0]['id']}"
    return Pair(Call("PATCH", path, {"value": "Prospect"}),
                Call("PATCH", path, {"value": "Lead 2"}))


async def case_v1_option_delete(client, tenant) -> Pair:
    field = await stage(client, tenant)
    first, second = (f"{F}/{field['id']}/options/{o['id']}" for o in field["options"][:2])
    return Pair(Call("DELETE", first), Call("DELETE", second))


async def case_connector_patch(client, tenant) -> Pair:
    path = f"/api/v1/connectors/{tenant.connector_token}"
    return Pair(Call("PATCH", path, {"name": "One"}), Call("PATCH", path, {"name": "Two"}))


async def case_connector_delete(client, tenant) -> Pair:
    tokens = [(await created(client, tenant, "/api/v1/connectors",
                             {"integration_slug": "hubspot"}))["connector_token"]
              for _ in range(2)]
    return Pair(Call("DELETE", f"/api/v1/connectors/{tokens[0]}"),
                Call("DELETE", f"/api/v1/connectors/{tokens[1]}"))


W = "/api/v1/webhooks"
# a public address literal, for an event no route writes: nothing is ever sent
HOOK = {"url": "https://93.184.216.34/hooks", "events": ["integration.disabled"]}


async def webhook(client, tenant) -> str:
    return (await created(client, tenant, W, HOOK))["id"]


async def case_webhook_create(client, tenant) -> Pair:
    return Pair(Call("POST", W, HOOK), Call("POST", W, {**HOOK, "description": "another"}))


async def case_webhook_patch(client, tenant) -> Pair:
    path = f"{W}/{await webhook(client, tenant)}"
    return Pair(Call("PATCH", path, {"description": "one"}),
                Call("PATCH", path, {"description": "two"}))


async def case_webhook_delete(client, tenant) -> Pair:
    first, second = await webhook(client, tenant), await webhook(client, tenant)
    return Pair(Call("DELETE", f"{W}/{first}"), Call("DELETE", f"{W}/{second}"))


async def case_webhook_replay(client, tenant) -> Pair:
    path = f"{W}/{await webhook(client, tenant)}/replay"
    return Pair(Call("POST", path, {"from_seq": 1}), Call("POST", path, {"from_seq": 2}))


CASES: dict[tuple[str, str], Callable[..., Awaitable[Pair]]] = {
    ("POST", W): case_webhook_create,
    ("PATCH", W + "/{webhook_id}"): case_webhook_patch,
    ("DELETE", W + "/{webhook_id}"): case_webhook_delete,
    ("POST", W + "/{webhook_id}/replay"): case_webhook_replay,
    ("POST", F): case_v1_create,
    ("DELETE", F + "/{field_id}"): case_v1_delete,
    ("PATCH", F + "/{field_id}"): case_v1_patch,
    ("POST", F + "/{field_id}/revert"): case_v1_revert,
    ("POST", F + "/{field_id}/options"): case_v1_option_add,
    ("PUT", F + "/{field_id}/options/order"): case_v1_option_order,
    ("PATCH", F + "/{field_id}/options/{option_id}"): case_v1_option_patch,
    ("DELETE", F + "/{field_id}/options/{option_id}"): case_v1_option_delete,
    ("POST", F + "/mapping"): case_mapping_create,
    ("POST", F + "/mapping/bulk"): case_mapping_bulk,
    ("POST", F + "/import"): case_import,
    ("PATCH", F + "/mapping/{mapping_id}"): case_mapping_patch,
    ("DELETE", F + "/mapping/{mapping_id}"): case_mapping_delete,
    ("POST", "/api/v1/connectors"): case_connector_create,
    ("PATCH", "/api/v1/connectors/{connector_token}"): case_connector_patch,
    ("DELETE", "/api/v1/connectors/{connector_token}"): case_connector_delete,
    ("POST", "/api/v1/connectors/{connector_token}/sync"): case_sync,
    ("POST", P): case_persons_create,
    ("PATCH", P + "/{field_id}"): case_persons_patch,
    ("DELETE", P + "/{field_id}"): case_persons_delete,
    ("POST", P + "/{field_id}/options"): case_option_add,
    ("PUT", P + "/{field_id}/options/order"): case_option_order,
    ("PATCH", P + "/{field_id}/options/{option_id}"): case_option_patch,
    ("DELETE", P + "/{field_id}/options/{option_id}"): case_option_delete,
}

# Every route its declaration says changes state (a POST such as preview may not).
DECLARED = {(op.method, op.path): op for op in OPERATIONS}
WRITE_ROUTES = [route for route, op in DECLARED.items() if op.changes_state]


def write_params() -> list:
    return [pytest.param(route, id=f"{route[0]} {route[1]}") for route in WRITE_ROUTES]


async def prepare(client, tenant, route) -> Case:
    if route not in CASES:
        pytest.fail(f"write route {route[0]} {route[1]} has no case in CASES of {__name__}: "
                    "add one so its Idempotency-Key handling is tested")
    pair = await CASES[route](client, tenant)
    return Case(pair.call, pair.other, DECLARED[route].status)


def test_every_write_route_has_a_case(app):
    missing = [f"{m} {p}" for m, p in WRITE_ROUTES if (m, p) not in CASES]
    assert not missing, f"write routes without an idempotency case: {missing}"


# --- Idempotency-Key ------------------------------------------------------------------------------

@pytest.mark.parametrize("route", write_params())
async def test_a_retry_with_the_same_key_replays_the_first_answer_and_writes_nothing(
        client, tenant, route):
    case = await prepare(client, tenant, route)
    first = await send(client, tenant, case.call, **{"Idempotency-Key": "retry-1"})
    assert first.status == case.ok, first.text
    assert not first.replayed
    count = await event_count(client)

    again = await send(client, tenant, case.call, **{"Idempotency-Key": "retry-1"})
    assert again.status == first.status, again.text
    assert again.body == first.body
    assert again.replayed, again.headers
    assert again.headers.get("ETag") == first.headers.get("ETag")
    assert await event_count(client) == count


@pytest.mark.parametrize("route", write_params())
async def test_the_same_key_with_another_request_is_422_and_writes_nothing(
        client, tenant, route):
    case = await prepare(client, tenant, route)
    first = await send(client, tenant, case.call, **{"Idempotency-Key": "reused"})
    assert first.status == case.ok, first.text
    count = await event_count(client)
    other = await send(client, tenant, case.other, **{"Idempotency-Key": "reused"})
    assert_problem(other, 422, "IDEMPOTENCY_KEY_REUSED")
    assert await event_count(client) == count
    # the other request itself is fine: under a fresh key it goes through
    fresh = await send(client, tenant, case.other, **{"Idempotency-Key": "fresh"})
    assert fresh.status == case.ok, fresh.text


@pytest.mark.parametrize("route", write_params())
async def test_keys_are_per_organization(client, tenant, other_tenant, route):
    mine = await prepare(client, tenant, route)
    theirs = await prepare(client, other_tenant, route)
    first = await send(client, tenant, mine.call, **{"Idempotency-Key": "shared-key"})
    assert first.status == mine.ok, first.text
    count = await event_count(client)

    answer = await send(client, other_tenant, theirs.call, **{"Idempotency-Key": "shared-key"})
    assert answer.status == theirs.ok, answer.text
    assert not answer.replayed
    assert await event_count(client) > count, "the other organization's write happened"
    if first.body and "id" in first.body and theirs.call.method == "POST":
        assert answer.body["id"] != first.body["id"]


@pytest.mark.parametrize("route", write_params())
async def test_twenty_concurrent_identical_requests_with_one_key_write_once(
        client, tenant, route):
    case = await prepare(client, tenant, route)
    count = await event_count(client)
    answers = await asyncio.gather(*(
        send(client, tenant, case.call,
             **{"Idempotency-Key": "storm", "X-Request-Id": f"storm-{n}"})
        for n in range(20)))
    assert {(a.status, a.text) for a in answers} == {(answers[0].status, answers[0].text)}, [
        (a.status, a.text) for a in answers]
    assert answers[0].status == case.ok
    assert sum(not a.replayed for a in answers) == 1
    stormed = [e for e in await client.server.app[backend_key].store.read_events()
               if e.metadata.get("idempotency_key") == "storm"]
    requests = {e.metadata.get("request_id") for e in stormed}
    assert len(requests) == 1, f"events of {len(requests)} requests were written"
    written = (await event_count(client)) - count
    assert written == len(stormed) >= 1


async def test_keys_survive_a_restart(aiohttp_client, settings):
    """Every write route, each in an organization of its own: answer, close the app,
    open a new one on the same database file, retry: the first answer again."""
    app = create_app(settings)
    client = await aiohttp_client(app)
    firsts = []
    for n, route in enumerate(WRITE_ROUTES):
        tenant = await make_tenant(app, f"restart-{n}")
        case = await prepare(client, tenant, route)
        first = await send(client, tenant, case.call, **{"Idempotency-Key": "durable"})
        assert first.status == case.ok, (route, first.text)
        firsts.append((route, tenant, case, first))
    count = await event_count(client)
    await client.close()

    reopened = await aiohttp_client(create_app(settings))
    for route, tenant, case, first in firsts:
        again = await send(reopened, tenant, case.call, **{"Idempotency-Key": "durable"})
        assert (again.status, again.body, again.replayed) == (first.status, first.body, True), (
            route, again.text)
    assert await event_count(reopened) == count


INVALID_KEYS = ["k" * 256, "clé-non-ascii", "has space", "tab\tinside", ""]


@pytest.mark.parametrize("route", write_params())
async def test_an_invalid_key_is_400_and_writes_nothing(client, tenant, route):
    """Longer than 255 characters, non-ASCII, white space or empty."""
    case = await prepare(client, tenant, route)
    count = await event_count(client)
    for key in INVALID_KEYS:
        answer = await send(client, tenant, case.call, **{"Idempotency-Key": key})
        assert_problem(answer, 400, "INVALID_IDEMPOTENCY_KEY")
    assert await event_count(client) == count


async def test_a_key_of_255_visible_ascii_characters_is_valid(client, tenant):
    key = "".join(chr(33 + i % 94) for i in range(255))
    call = Call("POST", "/api/v1/connectors", {"integration_slug": "hubspot"})
    first = await send(client, tenant, call, **{"Idempotency-Key": key})
    assert first.status == 201, first.text
    again = await send(client, tenant, call, **{"Idempotency-Key": key})
    assert again.replayed and again.body == first.body


CONNECTOR = Call("POST", "/api/v1/connectors", {"integration_slug": "hubspot"})


async def test_a_key_older_than_the_ttl_is_not_replayed(aiohttp_client, settings):
    app = create_app(settings.with_(idempotency_ttl_hours=0))
    client = await aiohttp_client(app)
    tenant = await make_tenant(app, "ttl")
    first = await send(client, tenant, CONNECTOR, **{"Idempotency-Key": "short-lived"})
    count = await event_count(client)
    again = await send(client, tenant, CONNECTOR, **{"Idempotency-Key": "short-lived"})
    assert again.status == 201 and not again.replayed
    assert again.body["id"] != first.body["id"]
    assert await event_count(client) == count + 1


async def test_an_aged_key_is_forgotten_and_may_be_used_for_another_request(
        client, backend, tenant):
    first = await send(client, tenant, CONNECTOR, **{"Idempotency-Key": "aged"})
    assert first.status == 201
    # 25 hours ago, past the default TTL of 24
    backend.age_idempotency_record("aged", hours=25)
    again = await send(client, tenant, CONNECTOR, **{"Idempotency-Key": "aged"})
    assert again.status == 201 and not again.replayed and again.body["id"] != first.body["id"]
    other = await send(client, tenant, Call("POST", "/api/v1/connectors", {
        "integration_slug": "salesforce"}), **{"Idempotency-Key": "aged"})
    assert_problem(other, 422, "IDEMPOTENCY_KEY_REUSED")  # the fresh record now holds


async def test_a_refused_request_is_not_remembered(client, tenant):
    """Only successes are recorded: after a 4xx the same key and body are evaluated again."""
    field = {"name": "dup", **EMPLOYEE}
    assert (await send(client, tenant, Call("POST", F, field))).status == 201
    refused = await send(client, tenant, Call("POST", F, field), **{"Idempotency-Key": "k"})
    assert_problem(refused, 409, "DUPLICATE_NAME")
    assert not refused.replayed


# --- ETag on single resources ---------------------------------------------------------------------

SINGLE_RESOURCE_GETS = {F + "/{field_id}", P + "/{field_id}",
                        "/api/v1/connectors/{connector_token}", W + "/{webhook_id}"}
COLLECTION_GETS_WITH_AN_ID = {F + "/{field_id}/history", W + "/{webhook_id}/deliveries"}


def test_every_get_of_one_resource_is_known_to_carry_an_etag(app):
    with_id = {p for m, p in declared_routes() if m == "GET" and "{" in p}
    unknown = with_id - SINGLE_RESOURCE_GETS - COLLECTION_GETS_WITH_AN_ID
    assert not unknown, f"classify these GET routes (ETag or not): {unknown}"


async def stream_version(client, tenant, field_id: str) -> int:
    response = await client.get("/api/v1/events", headers=tenant.headers, params={
        "stream_id": f"field:{field_id}", "order": "desc", "limit": "1"})
    return (await response.json())["events"][0]["stream_version"]


async def etags(client, tenant, field_id: str) -> tuple[str, str]:
    v1 = await client.get(f"{F}/{field_id}", headers=tenant.headers)
    persons = await client.get(f"{P}/{field_id}", headers=tenant.persons_headers)
    assert v1.status == persons.status == 200
    return v1.headers.get("ETag"), persons.headers.get("ETag")


async def test_single_resource_gets_carry_the_quoted_stream_version_as_etag(client, tenant):
    field = await stage(client, tenant)
    version = await stream_version(client, tenant, field["id"])
    assert version == 4  # FieldCreated + three OptionAdded
    assert await etags(client, tenant, field["id"]) == ('"4"', '"4"')

    added = await send(client, tenant, Call("POST", f"{P}/{field['id']}/options",
                                            {"value": "Paused"}))
    assert added.headers.get("ETag") == '"5"'
    assert await etags(client, tenant, field["id"]) == ('"5"', '"5"')

    hris = await send(client, tenant, Call("POST", F, {"name": "badge", **EMPLOYEE}))
    assert hris.headers.get("ETag") == '"1"'
    response = await client.get(f"{F}/{hris.body['id']}", headers=tenant.headers)
    version = await stream_version(client, tenant, hris.body["id"])
    assert response.headers.get("ETag") == f'"{version}"'
    assert re.fullmatch(r'"\d+"', response.headers["ETag"])


async def test_the_v1_fields_etag_changes_when_its_mappings_change(client, tenant):
    field = await hris_field(client, tenant, "badge")
    before = await client.get(f"{F}/{field}", headers=tenant.headers)
    seen = before.headers["ETag"]
    await mapping_of(client, tenant, field, "workday")
    after = await client.get(f"{F}/{field}", headers=tenant.headers)
    assert (await after.json())["mappings"] != (await before.json())["mappings"]
    count = await event_count(client)
    answer = await send(client, tenant, Call("DELETE", f"{F}/{field}"), **{"If-Match": seen})
    assert_problem(answer, 412, "PRECONDITION_FAILED")
    assert await event_count(client) == count
    assert after.headers["ETag"] != seen


# --- If-Match -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Guarded:
    """A write that takes If-Match: how to set it up, read its ETag and make that stale."""
    call: Callable[[dict], Call]
    ok: int
    setup: Callable[..., Awaitable[dict]]
    etag: Callable[..., Awaitable[str]]
    change: Callable[..., Awaitable[None]]   # another write that makes the ETag stale
    check: Callable[..., Awaitable[Any]]     # what the write would change, read back


async def setup_mapping(client, tenant) -> dict:
    field = await hris_field(client, tenant, "badge")
    answer = await send(client, tenant, Call("POST", F + "/mapping", {
        "custom_field_id": field, "integration_slug": "workday", "json_path": "a"}))
    assert answer.status == 201
    return {"field": field, "mapping": answer.body["id"], "etag": answer.headers["ETag"]}


async def mapping_etag(client, tenant, ctx) -> str:
    return ctx["etag"]


async def repath(client, tenant, ctx) -> None:
    answer = await send(client, tenant, Call("PATCH", f"{F}/mapping/{ctx['mapping']}",
                                             {"json_path": "changed"}))
    assert answer.status == 200
    ctx["etag_after_change"] = answer.headers["ETag"]


async def read_mappings(client, tenant, ctx):
    response = await client.get(f"{F}/{ctx['field']}", headers=tenant.headers)
    return [m["json_path"] for m in (await response.json())["mappings"]]


async def setup_stage(client, tenant) -> dict:
    field = await stage(client, tenant)
    return {"field": field["id"], "options": [o["id"] for o in field["options"]]}


async def field_etag(client, tenant, ctx) -> str:
    response = await client.get(f"{P}/{ctx['field']}", headers=tenant.persons_headers)
    return response.headers["ETag"]


async def add_option(client, tenant, ctx) -> None:
    answer = await send(client, tenant, Call("POST", f"{P}/{ctx['field']}/options",
                                             {"value": "Changed"}))
    assert answer.status == 201


async def read_field(client, tenant, ctx):
    response = await client.get(f"{F}/{ctx['field']}", headers=tenant.headers)
    return response.status, (await response.json())


def field_path(ctx) -> str:
    return f"{P}/{ctx['field']}"


def option_path(ctx) -> str:
    return f"{P}/{ctx['field']}/options/{ctx['options'][0]}"


GUARDED = {
    "v1 mapping PATCH": Guarded(
        lambda c: Call("PATCH", f"{F}/mapping/{c['mapping']}", {"json_path": "b"}), 200,
        setup_mapping, mapping_etag, repath, read_mappings),
    "v1 mapping DELETE": Guarded(
        lambda c: Call("DELETE", f"{F}/mapping/{c['mapping']}"), 200,
        setup_mapping, mapping_etag, repath, read_mappings),
    "v1 field DELETE": Guarded(
        lambda c: Call("DELETE", f"{F}/{c['field']}"), 200,
        setup_stage, field_etag, add_option, read_field),
    "persons field PATCH": Guarded(
        lambda c: Call("PATCH", field_path(c), {"name": "Renamed"}), 200,
        setup_stage, field_etag, add_option, read_field),
    "persons field DELETE": Guarded(
        lambda c: Call("DELETE", field_path(c)), 204,
        setup_stage, field_etag, add_option, read_field),
    "persons option POST": Guarded(
        lambda c: Call("POST", f"{field_path(c)}/options", {"value": "New"}), 201,
        setup_stage, field_etag, add_option, read_field),
    "persons option order PUT": Guarded(
        lambda c: Call("PUT", f"{field_path(c)}/options/order",
                       {"optionIds": c["options"][::-1]}), 200,
        setup_stage, field_etag,
        lambda client, tenant, c: client.patch(option_path(c), headers=tenant.persons_headers,
                                               json={"color": "#123456"}),
        read_field),
    "persons option PATCH": Guarded(
        lambda c: Call("PATCH", option_path(c), {"value": "Renamed"}), 200,
        setup_stage, field_etag, add_option, read_field),
    "persons option DELETE": Guarded(
        lambda c: Call("DELETE", option_path(c)), 204,
        setup_stage, field_etag, add_option, read_field),
}


@pytest.mark.parametrize("name", GUARDED)
async def test_a_matching_if_match_lets_the_write_through(client, tenant, name):
    guarded = GUARDED[name]
    ctx = await guarded.setup(client, tenant)
    etag = await guarded.etag(client, tenant, ctx)
    answer = await send(client, tenant, guarded.call(ctx), **{"If-Match": etag})
    assert answer.status == guarded.ok, answer.text
    if "ETag" in answer.headers:  # the write's answer names the version it produced
        assert int(answer.headers["ETag"].strip('"')) > int(etag.strip('"'))


@pytest.mark.parametrize("name", GUARDED)
async def test_a_stale_if_match_is_412_and_a_malformed_one_400_and_neither_writes(
        client, tenant, name):
    guarded = GUARDED[name]
    ctx = await guarded.setup(client, tenant)
    etag = await guarded.etag(client, tenant, ctx)
    await guarded.change(client, tenant, ctx)
    before, count = await guarded.check(client, tenant, ctx), await event_count(client)

    stale = await send(client, tenant, guarded.call(ctx), **{"If-Match": etag})
    assert_problem(stale, 412, "PRECONDITION_FAILED")
    for header in ["not-an-etag", '"v1"', '"-1"', '"1" junk', '""']:
        answer = await send(client, tenant, guarded.call(ctx), **{"If-Match": header})
        assert answer.status == 400, (header, answer.text)
        assert answer.body["code"] == "INVALID_IF_MATCH", header
    assert await event_count(client) == count
    assert await guarded.check(client, tenant, ctx) == before


@pytest.mark.parametrize("name", GUARDED)
async def test_if_match_star_means_any_version(client, tenant, name):
    guarded = GUARDED[name]
    ctx = await guarded.setup(client, tenant)
    await guarded.change(client, tenant, ctx)
    answer = await send(client, tenant, guarded.call(ctx), **{"If-Match": "*"})
    assert answer.status == guarded.ok, answer.text


# --- rate limiting --------------------------------------------------------------------------------

MODELS = "/api/v1/lookup/models"


@pytest.fixture
async def limited(aiohttp_client, settings):
    app = create_app(settings.with_(rate_limit_per_second=1, rate_limit_burst=2))
    client = await aiohttp_client(app)
    client.tenant = await make_tenant(app, "limited")
    client.other = await make_tenant(app, "unlimited")
    second = await run(app, IssueKey("limited"))
    client.second_key = {"Authorization": f"Bearer {second['key']}"}
    return client


async def test_the_request_past_the_burst_is_429_with_retry_after(limited):
    headers = limited.tenant.headers
    assert [(await limited.get(MODELS, headers=headers)).status for _ in range(2)] == [200, 200]
    response = await limited.get(MODELS, headers=headers)
    assert response.status == 429
    assert response.content_type == PROBLEM
    body = await response.json()
    assert (body["code"], body["status"]) == ("RATE_LIMITED", 429)
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) >= 1


async def test_the_limit_is_per_key(limited):
    for _ in range(3):
        await limited.get(MODELS, headers=limited.tenant.headers)
    assert (await limited.get(MODELS, headers=limited.tenant.headers)).status == 429
    assert (await limited.get(MODELS, headers=limited.second_key)).status == 200
    assert (await limited.get(MODELS, headers=limited.other.headers)).status == 200
    assert (await limited.get("/healthz")).status == 200


async def test_a_limited_write_writes_nothing(limited):
    for _ in range(2):
        await limited.get(MODELS, headers=limited.tenant.headers)
    count = await event_count(limited)
    response = await limited.post(F, headers=limited.tenant.headers,
                                  json={"name": "limited", **EMPLOYEE})
    assert response.status == 429
    assert await event_count(limited) == count


async def test_the_bucket_refills_at_the_configured_rate(aiohttp_client, settings):
    app = create_app(settings.with_(rate_limit_per_second=20, rate_limit_burst=1))
    client = await aiohttp_client(app)
    tenant = await make_tenant(app, "refill")
    assert (await client.get(MODELS, headers=tenant.headers)).status == 200
    limited = await client.get(MODELS, headers=tenant.headers)
    assert limited.status == 429 and limited.headers["Retry-After"] == "1"
    await asyncio.sleep(0.1)  # two tokens' worth at 20 per second
    assert (await client.get(MODELS, headers=tenant.headers)).status == 200


async def test_rate_limiting_is_off_by_default(client, tenant):
    assert Settings().rate_limit_per_second == 0
    statuses = await asyncio.gather(*(client.get(MODELS, headers=tenant.headers)
                                      for _ in range(100)))
    assert {s.status for s in statuses} == {200}
