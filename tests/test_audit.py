"""Audit through HTTP (DESIGN sections 7 and 8): the organization's event log
(`GET /api/v1/events`), a field's history (`GET /api/v1/custom-fields/{id}/history`), and
`replay --until` agreeing with what the API answered at every point of the log.
"""

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service import cli
from service.apis import OPERATIONS
from service.appkeys import backend_key
from service.commands.tenancy import IssueKey
from tests.answers import problem
from tests.conftest import run

EVENTS = "/api/v1/events"
F = "/api/v1/custom-fields"
P = "/custom-fields"
W = "/api/v1/webhooks"
EMPLOYEE = {"category": "HRIS", "model": "employee"}


# --- helpers ------------------------------------------------------------------------------------

async def ok(response, status: int = 200):
    text = await response.text()
    assert response.status == status, text
    return json.loads(text) if text else None


async def events_page(client, tenant, **params) -> dict:
    return await ok(await client.get(EVENTS, headers=tenant.headers,
                                     params={k: str(v) for k, v in params.items()}))


async def all_events(client, tenant, **params) -> list[dict]:
    """Every event the query matches, walking the pages."""
    found, cursor = [], None
    while True:
        page = await events_page(client, tenant, limit=200, **params,
                                 **({"cursor": cursor} if cursor else {}))
        found += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def seqs(events: list[dict]) -> list[int]:
    return [e["seq"] for e in events]


async def head_seq(client, tenant) -> int:
    page = await events_page(client, tenant, order="desc", limit=1)
    return page["events"][0]["seq"] if page["events"] else 0


async def v1_field(client, tenant, name: str, **body) -> str:
    created = await ok(await client.post(F, headers=tenant.headers,
                                         json={"name": name, **EMPLOYEE, **body}), 201)
    return created["id"]


async def persons_field(client, tenant, body: dict) -> dict:
    return await ok(await client.post(P, headers=tenant.persons_headers, json=body), 201)


async def mapping(client, tenant, field_id: str, json_path: str, **scope) -> str:
    scope = scope or {"integration_slug": "workday"}
    created = await ok(await client.post(F + "/mapping", headers=tenant.headers, json={
        "custom_field_id": field_id, "json_path": json_path, **scope}), 201)
    return created["id"]


@pytest.fixture
async def busy(client, tenant, other_tenant):
    """Two organizations with a little of everything written through HTTP; the ids."""
    salary = await v1_field(client, tenant, "salary_band", description="band")
    badge = await v1_field(client, tenant, "badge_code")
    tags = await persons_field(client, tenant, {"name": "Tags", "type": "multiselect",
                                                "options": [{"value": "VIP"}]})
    await ok(await client.post(f"{P}/{tags['id']}/options", headers=tenant.persons_headers,
                               json={"value": "Board"}), 201)
    salary_mapping = await mapping(client, tenant, salary, "comp.band")
    await ok(await client.patch(f"{F}/mapping/{salary_mapping}", headers=tenant.headers,
                                json={"json_path": "comp.bandCode"}))
    await mapping(client, tenant, badge, "badge")
    await v1_field(client, other_tenant, "salary_band")  # another organization, same name
    await ok(await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                               headers=tenant.headers, json={**EMPLOYEE, "records": [
                                   {"remote_id": "e1", "data": {"badge": "B1"}}]}))
    await ok(await client.patch(f"{P}/{tags['id']}", headers=tenant.persons_headers,
                                json={"name": "Labels"}))
    return {"salary": salary, "badge": badge, "tags": tags["id"],
            "salary_mapping": salary_mapping}


# --- GET /api/v1/events ---------------------------------------------------------------------------

async def test_events_are_oldest_first_by_default_and_newest_first_with_order_desc(
        client, tenant, busy):
    ascending = await all_events(client, tenant)
    assert seqs(ascending) == sorted(seqs(ascending))
    assert len(set(seqs(ascending))) == len(ascending) > 10
    assert ascending[0]["type"] == "OrganizationCreated"
    descending = await all_events(client, tenant, order="desc")
    assert descending == ascending[::-1]


async def test_pages_walk_the_whole_log_without_duplicates_or_gaps(client, tenant, busy):
    for order in ("asc", "desc"):
        everything = await all_events(client, tenant, order=order)
        for limit in (1, 3, 7):
            walked, cursor = [], None
            while True:
                page = await events_page(client, tenant, order=order, limit=limit,
                                         **({"cursor": cursor} if cursor else {}))
                assert len(page["events"]) <= limit
                walked += page["events"]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
                assert len(page["events"]) == limit, "only the last page is short"
            assert seqs(walked) == seqs(everything), (order, limit)


async def test_pages_of_a_filtered_list_hold_only_what_the_filter_matches(client, tenant, busy):
    matching = await all_events(client, tenant, field_id=busy["salary"])
    walked, cursor = [], None
    while True:
        page = await events_page(client, tenant, field_id=busy["salary"], limit=2,
                                 **({"cursor": cursor} if cursor else {}))
        walked += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == matching and len(matching) == 3


async def test_the_stream_id_filter_lists_that_stream_only(client, tenant, busy):
    stream = f"field:{busy['tags']}"
    events = await all_events(client, tenant, stream_id=stream)
    assert {e["stream_id"] for e in events} == {stream}
    assert [e["type"] for e in events] == ["FieldCreated", "OptionAdded", "OptionAdded",
                                           "FieldUpdated"]
    assert [e["stream_version"] for e in events] == [1, 2, 3, 4]
    everything = await all_events(client, tenant)
    assert events == [e for e in everything if e["stream_id"] == stream]


async def test_the_field_id_filter_includes_the_fields_option_and_mapping_events(
        client, tenant, busy):
    events = await all_events(client, tenant, field_id=busy["salary"])
    assert [e["type"] for e in events] == ["FieldCreated", "MappingCreated", "MappingUpdated"]
    assert {e["stream_id"] for e in events} == {f"field:{busy['salary']}",
                                                f"mapping:{busy['salary_mapping']}"}
    tags = await all_events(client, tenant, field_id=busy["tags"])
    assert [e["type"] for e in tags] == ["FieldCreated", "OptionAdded", "OptionAdded",
                                         "FieldUpdated"]
    assert all(e["data"]["field_id"] == busy["tags"] for e in tags)


async def test_the_type_filter_takes_one_type_or_a_comma_separated_list(client, tenant, busy):
    everything = await all_events(client, tenant)
    one = await all_events(client, tenant, type="MappingCreated")
    assert one == [e for e in everything if e["type"] == "MappingCreated"] and len(one) == 2
    two = await all_events(client, tenant, type="OptionAdded,FieldUpdated")
    assert two == [e for e in everything if e["type"] in ("OptionAdded", "FieldUpdated")]
    assert {e["type"] for e in two} == {"OptionAdded", "FieldUpdated"}


async def test_a_type_list_with_spaces_after_the_commas_is_not_silently_narrowed(
        client, tenant, busy):
    response = await client.get(EVENTS, headers=tenant.headers,
                                params={"type": "OptionAdded, FieldUpdated", "limit": "200"})
    if response.status != 422:
        listed = (await ok(response))["events"]
        assert {e["type"] for e in listed} == {"OptionAdded", "FieldUpdated"}


async def test_since_and_until_keep_the_events_recorded_in_between_inclusive(
        client, tenant, busy):
    everything = await all_events(client, tenant)
    times = [e["recorded_at"] for e in everything]
    since, until = times[3], times[-3]
    assert since < until
    assert await all_events(client, tenant, since=since) == [
        e for e in everything if e["recorded_at"] >= since]
    assert await all_events(client, tenant, until=until) == [
        e for e in everything if e["recorded_at"] <= until]
    between = await all_events(client, tenant, since=since, until=until)
    assert between == [e for e in everything if since <= e["recorded_at"] <= until]
    assert between[0]["recorded_at"] == since and between[-1]["recorded_at"] == until


async def test_since_and_until_with_a_utc_offset_mean_the_same_instant(client, tenant, busy):
    everything = await all_events(client, tenant)
    moment = everything[4]["recorded_at"]
    as_utc = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    in_paris = as_utc.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert await all_events(client, tenant, since=in_paris) == await all_events(
        client, tenant, since=moment)
    assert await all_events(client, tenant, until=in_paris) == await all_events(
        client, tenant, until=moment)


@pytest.mark.parametrize("params, field", [
    ({"order": "sideways"}, "order"), ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-45"}, "until"), ({"limit": "0"}, "limit")])
async def test_a_malformed_query_is_422_naming_the_parameter(client, tenant, params, field):
    body = await problem(await client.get(EVENTS, headers=tenant.headers, params=params),
                         422, "VALIDATION_ERROR")
    assert field in body["errors"]


async def test_only_the_callers_organizations_events_are_listed(
        client, tenant, other_tenant, busy):
    mine, theirs = await all_events(client, tenant), await all_events(client, other_tenant)
    assert mine and theirs
    assert not set(seqs(mine)) & set(seqs(theirs))
    text = json.dumps(theirs)
    for secret in (tenant.id, tenant.connector_token, busy["salary"], busy["tags"],
                   busy["salary_mapping"], "comp.bandCode", "Labels"):
        assert secret not in text
    logged = await client.server.app[backend_key].store.read_events(org_id=tenant.id)
    assert seqs(mine) == [e.seq for e in logged]
    # a filter naming the other organization's stream finds nothing for this caller
    assert await all_events(client, other_tenant, stream_id=f"field:{busy['salary']}") == []
    assert await all_events(client, other_tenant, field_id=busy["salary"]) == []


# --- who, how and why: the metadata of every event written through HTTP ---------------------------

def write_routes(app) -> set[tuple[str, str]]:
    """Every route whose declaration says it changes state."""
    return {(op.method, op.path) for op in OPERATIONS if op.changes_state}


async def test_every_event_records_its_key_source_request_id_and_idempotency_key(
        client, app, tenant):
    second = await run(app, IssueKey(tenant.slug))
    keys = {"first": (tenant.key, tenant.key_id), "second": (second["key"], second["id"])}
    sent: dict[str, tuple[str, str, str]] = {}  # request id -> (key id, idempotency key, route)
    covered: set[tuple[str, str]] = set()
    state: dict[str, str] = {}

    async def call(key: str, method: str, route: str, path: str, body=None, status=200):
        n = len(sent)
        request_id, idempotency = f"req-{n}.audit", f"idem:{n}"
        api_key, key_id = keys[key]
        headers = {"Authorization": f"Bearer {api_key}", "X-Request-Id": request_id,
                   "Idempotency-Key": idempotency}
        if route.startswith(P):
            headers["organizationSlug"] = tenant.slug
        answer = await ok(await client.request(method, path, json=body, headers=headers), status)
        sent[request_id] = (key_id, idempotency, f"{method} {route}")
        covered.add((method, route))
        return answer

    start = await head_seq(client, tenant)
    state["field"] = (await call("first", "POST", F, F, {"name": "badge", **EMPLOYEE}, 201))["id"]
    state["mapping"] = (await call("second", "POST", F + "/mapping", F + "/mapping", {
        "custom_field_id": state["field"], "integration_slug": "workday",
        "json_path": "a"}, 201))["id"]
    await call("first", "POST", F + "/mapping/bulk", F + "/mapping/bulk", {"mappings": [
        {"custom_field_id": state["field"], "integration_slug": "hibob", "json_path": "a"}]}, 201)
    await call("second", "POST", F + "/import", F + "/import", {
        "format_version": 1, "fields": [{**EMPLOYEE, "name": "imported"}]})
    await call("first", "PATCH", F + "/mapping/{mapping_id}", f"{F}/mapping/{state['mapping']}",
               {"json_path": "b"})
    await call("second", "DELETE", F + "/mapping/{mapping_id}", f"{F}/mapping/{state['mapping']}")
    spare = await call("first", "POST", "/api/v1/connectors", "/api/v1/connectors",
                       {"integration_slug": "hubspot"}, 201)
    await call("second", "PATCH", "/api/v1/connectors/{connector_token}",
               f"/api/v1/connectors/{spare['connector_token']}", {"name": "Spare"})
    await call("first", "DELETE", "/api/v1/connectors/{connector_token}",
               f"/api/v1/connectors/{spare['connector_token']}")
    await call("second", "POST", "/api/v1/connectors/{connector_token}/sync",
               f"/api/v1/connectors/{tenant.connector_token}/sync",
               {**EMPLOYEE, "records": [{"remote_id": "r", "data": {}}]})
    # a subscription to an event nothing later in this test writes: no delivery is tried
    # (a public address literal, as private ones are refused without the setting)
    hook = (await call("first", "POST", W, W, {"url": "https://1.1.1.1/hooks",
                                               "events": ["connector.synced"]}, 201))["id"]
    await call("second", "PATCH", W + "/{webhook_id}", f"{W}/{hook}", {"description": "x"})
    await call("first", "POST", W + "/{webhook_id}/replay", f"{W}/{hook}/replay",
               {"from_seq": await head_seq(client, tenant)}, 202)
    await call("second", "DELETE", W + "/{webhook_id}", f"{W}/{hook}")
    person = await call("first", "POST", P, P, {"name": "Stage", "type": "multiselect",
                                                 "options": [{"value": "Lead"}]}, 201)
    pid, lead = person["id"], person["options"][0]["id"]
    await call("second", "PATCH", P + "/{field_id}", f"{P}/{pid}", {"name": "Stage 2"})
    won = (await call("first", "POST", P + "/{field_id}/options", f"{P}/{pid}/options",
                      {"value": "Won"}, 201))["id"]
    await call("second", "PATCH", P + "/{field_id}/options/{option_id}",
               f"{P}/{pid}/options/{lead}", {"value": "Prospect"})
    await call("first", "PUT", P + "/{field_id}/options/order", f"{P}/{pid}/options/order",
               {"optionIds": [won, lead]})
    await call("second", "DELETE", P + "/{field_id}/options/{option_id}",
               f"{P}/{pid}/options/{won}", status=204)
    await call("first", "PATCH", F + "/{field_id}", f"{F}/{pid}", {"description": "v1"})
    v1_won = (await call("second", "POST", F + "/{field_id}/options", f"{F}/{pid}/options",
                         {"value": "Won again"}, 201))["id"]
    await call("first", "PATCH", F + "/{field_id}/options/{option_id}",
               f"{F}/{pid}/options/{v1_won}", {"color": "#00FF00"})
    await call("second", "PUT", F + "/{field_id}/options/order", f"{F}/{pid}/options/order",
               {"option_ids": [v1_won, lead]})
    await call("first", "DELETE", F + "/{field_id}/options/{option_id}",
               f"{F}/{pid}/options/{v1_won}")
    await call("second", "POST", F + "/{field_id}/revert", f"{F}/{pid}/revert",
               {"to_version": 2})
    await call("first", "DELETE", P + "/{field_id}", f"{P}/{pid}", status=204)
    await call("second", "DELETE", F + "/{field_id}", f"{F}/{state['field']}")

    assert write_routes(app) <= covered, (
        f"write routes this test does not call yet: {write_routes(app) - covered}")
    written = [e for e in await all_events(client, tenant) if e["seq"] > start]
    by_request = defaultdict(list)
    for event in written:
        assert event["request_id"] in sent, event
        key_id, idempotency, route = sent[event["request_id"]]
        assert event["key_id"] == key_id, (route, event)
        assert event["source"] == "API", (route, event)
        assert event["idempotency_key"] == idempotency, (route, event)
        by_request[event["request_id"]].append(event)
    assert set(by_request) == set(sent), "every write request left its events"


async def test_an_event_written_without_an_idempotency_key_records_none(client, tenant):
    response = await client.post(F, headers={**tenant.headers, "X-Request-Id": "plain-1"},
                                 json={"name": "plain", **EMPLOYEE})
    assert response.status == 201
    [event] = (await events_page(client, tenant, order="desc", limit=1))["events"]
    assert (event["type"], event["request_id"], event["idempotency_key"], event["key_id"],
            event["source"]) == ("FieldCreated", "plain-1", None, tenant.key_id, "API")


async def test_a_generated_request_id_is_the_one_recorded(client, tenant):
    response = await client.post(F, headers=tenant.headers, json={"name": "gen", **EMPLOYEE})
    assert response.status == 201
    [event] = (await events_page(client, tenant, order="desc", limit=1))["events"]
    assert event["request_id"] == response.headers["X-Request-Id"]


# --- a field's history ----------------------------------------------------------------------------

async def history(client, tenant, field_id: str) -> list[dict]:
    found, cursor = [], None
    while True:
        page = await ok(await client.get(f"{F}/{field_id}/history", headers=tenant.headers,
                                         params={"limit": "200", **({"cursor": cursor}
                                                                    if cursor else {})}))
        assert page["custom_field_id"] == field_id
        found += page["history"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def changes(entries: list[dict]) -> list[tuple]:
    return [(e["type"], e["before"], e["after"]) for e in entries]


async def test_a_fields_history_shows_every_change_of_it_its_options_and_mappings(
        client, tenant):
    ph, vh = tenant.persons_headers, tenant.headers
    field = await persons_field(client, tenant, {"name": "Stage", "type": "multiselect",
                                                 "options": [{"value": "Lead"},
                                                             {"value": "Customer"}]})
    fid = field["id"]
    lead, customer = (o["id"] for o in field["options"])
    await ok(await client.patch(f"{P}/{fid}", headers=ph, json={"name": "Lifecycle Stage"}))
    await ok(await client.patch(f"{P}/{fid}", headers=ph, json={"description": "funnel"}))
    churned = (await ok(await client.post(
        f"{P}/{fid}/options", headers=ph, json={"value": "Churned", "color": "#ff0000"}),
        201))["id"]
    await ok(await client.patch(f"{P}/{fid}/options/{lead}", headers=ph,
                                json={"value": "Prospect"}))
    await ok(await client.put(f"{P}/{fid}/options/order", headers=ph,
                              json={"optionIds": [churned, lead, customer]}))
    hubspot = await mapping(client, tenant, fid, "properties.stage", integration_slug="hubspot")
    await ok(await client.patch(f"{F}/mapping/{hubspot}", headers=vh,
                                json={"json_path": "properties.lifecycle"}))
    connector = await ok(await client.post("/api/v1/connectors", headers=vh,
                                           json={"integration_slug": "hubspot"}), 201)
    own = await mapping(client, tenant, fid, "stage",
                        connector_token=connector["connector_token"])
    await ok(await client.delete(f"{F}/mapping/{hubspot}", headers=vh))
    assert (await client.delete(f"{P}/{fid}/options/{churned}", headers=ph)).status == 204

    entries = await history(client, tenant, fid)
    created = {"name": "Stage", "description": None, "type": "multiselect",
               "number_format": None, "category": "CRM", "model": "person", "source": "API"}
    hubspot_mapping = {"id": hubspot, "integration_slug": "hubspot", "connector_id": None,
                       "json_path": "properties.stage"}
    assert changes(entries) == [
        ("FieldCreated", None, created),
        ("OptionAdded", None, {"id": lead, "value": "Lead", "color": None}),
        ("OptionAdded", None, {"id": customer, "value": "Customer", "color": None}),
        ("FieldUpdated", {"name": "Stage"}, {"name": "Lifecycle Stage"}),
        ("FieldUpdated", {"description": None}, {"description": "funnel"}),
        ("OptionAdded", None, {"id": churned, "value": "Churned", "color": "#FF0000"}),
        ("OptionUpdated", {"value": "Lead"}, {"value": "Prospect"}),
        ("OptionsReordered", {"option_ids": [lead, customer, churned]},
         {"option_ids": [churned, lead, customer]}),
        ("MappingCreated", None, hubspot_mapping),
        ("MappingUpdated", {"json_path": "properties.stage"},
         {"json_path": "properties.lifecycle"}),
        ("MappingCreated", None, {"id": own, "integration_slug": None,
                                  "connector_id": connector["id"], "json_path": "stage"}),
        ("MappingDeleted", {**hubspot_mapping, "json_path": "properties.lifecycle"}, None),
        ("OptionRemoved", {"id": churned, "value": "Churned", "color": "#FF0000"}, None),
    ]
    # The log and the history list the same events, in the same order.
    assert seqs(entries) == seqs(await all_events(client, tenant, field_id=fid))
    for entry in entries:
        assert entry["key_id"] == tenant.key_id and entry["source"] == "API"
        assert {"seq", "event_id", "stream_id", "stream_version", "recorded_at", "before",
                "after"} <= set(entry)

    # Deleting the field cascades; every removal is in the history, which stays readable.
    assert (await client.delete(f"{P}/{fid}", headers=ph)).status == 204
    assert (await client.get(f"{P}/{fid}", headers=ph)).status == 404
    after_delete = await history(client, tenant, fid)
    assert after_delete[:len(entries)] == entries
    assert changes(after_delete[len(entries):]) == [
        ("MappingDeleted", {"id": own, "integration_slug": None,
                            "connector_id": connector["id"], "json_path": "stage"}, None),
        ("OptionRemoved", {"id": lead, "value": "Prospect", "color": None}, None),
        ("OptionRemoved", {"id": customer, "value": "Customer", "color": None}, None),
        ("FieldDeleted", {**created, "name": "Lifecycle Stage", "description": "funnel"}, None),
    ]


async def test_a_deleted_v1_fields_history_is_still_available(client, tenant):
    field_id = await v1_field(client, tenant, "badge_code", type="multiselect",
                              options=[{"value": "Blue"}])
    mapping_id = await mapping(client, tenant, field_id, "badge.colour")
    assert (await client.delete(f"{F}/{field_id}", headers=tenant.headers)).status == 200
    assert (await client.get(f"{F}/{field_id}", headers=tenant.headers)).status == 404
    entries = await history(client, tenant, field_id)
    assert [e["type"] for e in entries] == ["FieldCreated", "OptionAdded", "MappingCreated",
                                            "MappingDeleted", "OptionRemoved", "FieldDeleted"]
    assert entries[3]["before"]["id"] == mapping_id and entries[3]["after"] is None
    assert entries[-1]["before"]["name"] == "badge_code" and entries[-1]["after"] is None


async def test_history_pages_walk_every_entry_once(client, tenant):
    field = await persons_field(client, tenant, {"name": "Tier", "type": "multiselect",
                                                 "options": [{"value": f"T{i}"}
                                                             for i in range(6)]})
    everything = await history(client, tenant, field["id"])
    walked, cursor = [], None
    while True:
        page = await ok(await client.get(
            f"{F}/{field['id']}/history", headers=tenant.headers,
            params={"limit": "4", **({"cursor": cursor} if cursor else {})}))
        assert len(page["history"]) <= 4
        walked += page["history"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == everything and len(everything) == 7


async def test_the_history_of_another_organizations_field_is_404(client, tenant, other_tenant):
    field_id = await v1_field(client, tenant, "secret_field")
    body = await problem(await client.get(f"{F}/{field_id}/history",
                                          headers=other_tenant.headers), 404, "NOT_FOUND")
    assert "secret_field" not in json.dumps(body)
    await problem(await client.get(f"{F}/01900000-0000-7000-8000-000000000000/history",
                                   headers=tenant.headers), 404, "NOT_FOUND")
    # deleted or not: still the first organization's alone
    await ok(await client.delete(f"{F}/{field_id}", headers=tenant.headers))
    await problem(await client.get(f"{F}/{field_id}/history", headers=other_tenant.headers),
                  404, "NOT_FOUND")


# --- replay --until agrees with the API at every point --------------------------------------------

def from_replay(state: dict) -> dict:
    """The fields of a replayed state, in the shape `from_api` gives."""
    options, mappings = defaultdict(list), defaultdict(list)
    for option in sorted(state["field_options"], key=lambda o: o["position"]):
        options[option["field_id"]].append(option["value"])
    for row in state["mappings"]:  # sorted by id, as the API lists them
        mappings[row["field_id"]].append(row["json_path"])
    return {f["id"]: {"name": f["name"], "type": f["type"], "description": f["description"],
                      "category": f["category"], "model": f["model"],
                      "options": options[f["id"]], "mappings": mappings[f["id"]]}
            for f in state["fields"]}


async def from_api(client, tenant) -> dict:
    """What the API answers now: the v1 list (and each field's mappings) and the persons
    list, which must agree on the (CRM, person) fields."""
    listed = await ok(await client.get(F, headers=tenant.headers, params={"limit": "200"}))
    assert listed["next_cursor"] is None
    fields = {}
    for f in listed["custom_fields"]:
        one = await ok(await client.get(f"{F}/{f['id']}", headers=tenant.headers))
        fields[f["id"]] = {"name": f["name"], "type": f["type"], "description": f["description"],
                           "category": f["category"], "model": f["model"],
                           "options": [o["value"] for o in f["options"]],
                           "mappings": [m["json_path"] for m in one["mappings"]]}
    persons = (await ok(await client.get(P, headers=tenant.persons_headers)))["customFields"]
    assert {p["id"]: (p["name"], p["type"], p.get("description"),
                      [o["value"] for o in p["options"]]) for p in persons} == {
        i: (f["name"], f["type"], f["description"], f["options"])
        for i, f in fields.items() if (f["category"], f["model"]) == ("CRM", "person")}
    return fields


async def test_replay_until_any_point_gives_the_fields_the_api_answered_then(
        client, app, settings, tenant, other_tenant, capsys):
    ph, vh = tenant.persons_headers, tenant.headers
    ids: dict[str, str] = {}

    async def create_v1():
        ids["hris"] = await v1_field(client, tenant, "badge_code", description="badge")

    async def create_persons():
        field = await persons_field(client, tenant, {"name": "Stage", "type": "multiselect",
                                                     "options": [{"value": "Lead"},
                                                                 {"value": "Won"}]})
        ids["stage"], ids["lead"], ids["won"] = field["id"], *(o["id"] for o in field["options"])

    async def map_hris():
        ids["map"] = await mapping(client, tenant, ids["hris"], "badge.code")

    async def other_org_writes():  # interleaved: never part of the first organization's state
        ids["other"] = ids.get("other", "") + "x"
        await v1_field(client, other_tenant, "badge_code_" + ids["other"])

    async def rename():
        await ok(await client.patch(f"{P}/{ids['stage']}", headers=ph,
                                    json={"name": "Lifecycle", "description": "funnel"}))

    async def add_option():
        ids["lost"] = (await ok(await client.post(f"{P}/{ids['stage']}/options", headers=ph,
                                                  json={"value": "Lost"}), 201))["id"]

    async def reorder():
        await ok(await client.put(f"{P}/{ids['stage']}/options/order", headers=ph,
                                  json={"optionIds": [ids["lost"], ids["won"], ids["lead"]]}))

    async def repath():
        await ok(await client.patch(f"{F}/mapping/{ids['map']}", headers=vh,
                                    json={"json_path": "badge.id"}))

    async def rename_option():
        await ok(await client.patch(f"{P}/{ids['stage']}/options/{ids['won']}", headers=ph,
                                    json={"value": "Customer"}))

    async def number_field():
        ids["salary"] = await v1_field(client, tenant, "salary", type="number",
                                       number_format={"format": "EUR", "decimal": 2})

    async def remove_option():
        assert (await client.delete(f"{P}/{ids['stage']}/options/{ids['lost']}",
                                    headers=ph)).status == 204

    async def map_stage():
        ids["stage_map"] = await mapping(client, tenant, ids["stage"], "properties.stage",
                                         integration_slug="hubspot")

    async def unmap():
        await ok(await client.delete(f"{F}/mapping/{ids['map']}", headers=vh))

    async def delete_v1():
        await ok(await client.delete(f"{F}/{ids['salary']}", headers=vh))

    async def delete_persons():
        assert (await client.delete(f"{P}/{ids['stage']}", headers=ph)).status == 204

    points = []  # (head seq of the first organization, its recorded time, what the API said)
    for step in (create_v1, create_persons, map_hris, other_org_writes, rename, add_option,
                 reorder, other_org_writes, repath, rename_option, number_field,
                 remove_option, map_stage, unmap, delete_v1, delete_persons):
        await step()
        [head] = (await events_page(client, tenant, order="desc", limit=1))["events"]
        points.append((head["seq"], head["recorded_at"], await from_api(client, tenant)))

    assert len({seq for seq, _, _ in points}) == len(points) - 2  # the other org's steps
    with app[backend_key].maintenance() as maintenance:
        for seq, _, answered in points:
            replayed = maintenance.replay(until_seq=seq, org_id=tenant.id)
            assert from_replay(replayed["state"]) == answered, f"at seq {seq}"

    # The CLI says the same, by sequence number and by time.
    for seq, recorded_at, answered in (points[2], points[9], points[-1]):
        for until in (str(seq), recorded_at):
            code = cli.main(["--db", settings.db, "replay", "--until", until,
                             "--org", tenant.slug])
            out = capsys.readouterr().out
            assert code == 0, out
            assert from_replay(json.loads(out)["state"]) == answered, f"--until {until}"
