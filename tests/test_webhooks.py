"""Change webhooks fed from the log, through HTTP, on both backends: subscriptions and
their secret, the refusals, isolation, signed deliveries in log order with retries, a
durable position across a restart, replay, redirects and timeouts. The receiver is a
server of the test's own on 127.0.0.1 (`tests/webhook_receiver.py`), which checks each
signature independently; deliveries are awaited with a deadline, never timed."""

import json

import pytest

from service.app import create_app
from service.appkeys import backend_key, context_key, webhooks_key
from service.commands import execute
from service.commands.fields import CreateField
from service.settings import Settings
from service.webhooks import ssrf
from tests.answers import answer, problem
from tests.backends import HARNESSES
from tests.conftest import make_tenant
from tests.webhook_receiver import signature_holds, start_receiver, until

W = "/api/v1/webhooks"
F = "/api/v1/custom-fields"
FAST = {"webhook_allow_private": True, "webhook_retry_base_seconds": 0.05,
        "webhook_poll_seconds": 0.2, "webhook_timeout_seconds": 2.0}


@pytest.fixture
def settings(backend) -> Settings:
    return Settings(db=backend.db, synchronous="NORMAL", **FAST)


@pytest.fixture
async def receiver(aiohttp_server):
    return await start_receiver(aiohttp_server)


async def served(aiohttp_client, settings: Settings, slug: str = "acme", **changes):
    """A client of an app with other settings, on the same database, and a tenant."""
    app = create_app(settings.with_(**changes))
    client = await aiohttp_client(app)
    return client, await make_tenant(app, slug)


async def subscribe(client, tenant, url: str, events=("field.*",), status=201, **more):
    response = await client.post(W, headers=tenant.headers,
                                 json={"url": url, "events": list(events), **more})
    return await answer(response, status)


async def create_field(client, tenant, name: str) -> str:
    response = await client.post(F, headers=tenant.headers,
                                 json={"name": name, "category": "HRIS", "model": "employee"})
    return (await answer(response, 201))["id"]


async def deliveries(client, tenant, webhook_id: str) -> dict:
    return await answer(await client.get(f"{W}/{webhook_id}/deliveries", headers=tenant.headers))


async def attempts_of(client, tenant, webhook_id: str) -> list[dict]:
    """The recorded delivery attempts, the latest first."""
    return (await deliveries(client, tenant, webhook_id))["deliveries"]


async def audit_entry(client, tenant, seq: int) -> dict:
    events = (await answer(await client.get("/api/v1/events", headers=tenant.headers, params={
        "limit": "200"})))["events"]
    return next(e for e in events if e["seq"] == seq)


# --- subscriptions ------------------------------------------------------------------------

async def test_subscribe_list_read_change_and_delete(client, tenant, receiver):
    made = await subscribe(client, tenant, receiver.url, ["field.created", "option.*"],
                           description="to the CRM")
    assert made["secret"].startswith("whsec_") and len(made["secret"]) >= 6 + 32
    assert made["events"] == ["field.created", "option.*"]
    assert made["description"] == "to the CRM"
    path = f"{W}/{made['id']}"
    shown = await answer(await client.get(path, headers=tenant.headers))
    assert shown == {k: v for k, v in made.items() if k != "secret"}
    listed = await answer(await client.get(W, headers=tenant.headers))
    assert listed == {"webhooks": [shown], "next_cursor": None}

    read = await client.get(path, headers=tenant.headers)
    changed = await client.patch(path, headers={**tenant.headers, "If-Match": read.headers["ETag"]},
                                 json={"events": ["mapping.*"], "description": None})
    body = await answer(changed)
    assert body["events"] == ["mapping.*"] and body["description"] is None
    assert changed.headers["ETag"] == '"2"'
    stale = await client.delete(path, headers={**tenant.headers, "If-Match": '"1"'})
    await problem(stale, 412, "PRECONDITION_FAILED")
    gone = await answer(await client.delete(path, headers=tenant.headers))
    assert gone == {"id": made["id"], "status": "SUCCESS"}
    for url in (path, path + "/deliveries"):
        await problem(await client.get(url, headers=tenant.headers), 404, "NOT_FOUND")


async def test_the_secret_is_shown_once_and_never_in_the_log(client, tenant, receiver):
    made = await subscribe(client, tenant, receiver.url)
    secret = made["secret"]
    await create_field(client, tenant, "seen_by_the_hook")
    await until(lambda: receiver.requests, what="a delivery")
    answers = [await client.get(p, headers=tenant.headers) for p in (
        W, f"{W}/{made['id']}", f"{W}/{made['id']}/deliveries", "/api/v1/events")]
    answers.append(await client.patch(f"{W}/{made['id']}", headers=tenant.headers,
                                      json={"description": "again"}))
    for response in answers:
        assert secret not in await response.text()
    events = await client.app[backend_key].store.read_events()
    assert not any(secret in json.dumps(e.data) + json.dumps(e.metadata) for e in events)
    assert [e.type for e in events if e.type.startswith("Webhook")] == [
        "WebhookCreated", "WebhookUpdated"]


@pytest.mark.parametrize("url, why", [
    ("ftp://example.com/hook", "the scheme must be http or https"),
    ("http:///hook", "a URL with a host is required"),
    ("https://user:pw@example.com/", "credentials in the URL are not allowed"),
    ("not a url", "the scheme must be http or https"),
])
async def test_a_url_of_the_wrong_form_is_422_on_url(client, tenant, url, why):
    body = await problem(await client.post(W, headers=tenant.headers, json={
        "url": url, "events": ["field.*"]}), 422, "VALIDATION_ERROR")
    assert body["errors"]["url"] == [why]


async def test_a_host_that_does_not_resolve_is_422(client, tenant):
    body = await problem(await client.post(W, headers=tenant.headers, json={
        "url": "https://no-such-host.invalid/hook", "events": ["field.*"]}),
        422, "URL_UNRESOLVABLE")
    assert "does not resolve" in body["errors"]["url"][0]


async def test_unknown_event_names_are_422(client, tenant, receiver):
    for events in (["field.exploded"], ["nothing.*"], ["field.created", "field"], []):
        response = await client.post(W, headers=tenant.headers,
                                     json={"url": receiver.url, "events": events})
        body = await problem(response, 422, "UNKNOWN_EVENT_TYPE" if events else "VALIDATION_ERROR")
        assert "events" in body["errors"]
    made = await subscribe(client, tenant, receiver.url)
    await problem(await client.patch(f"{W}/{made['id']}", headers=tenant.headers, json={
        "events": ["mapping.renamed"]}), 422, "UNKNOWN_EVENT_TYPE")


async def test_private_addresses_are_refused_without_the_setting(aiohttp_client, settings):
    client, tenant = await served(aiohttp_client, settings, webhook_allow_private=False)
    for url in ("http://127.0.0.1:9/h", "http://localhost/h", "http://10.1.2.3/h",
                "http://[::1]/h", "http://169.254.169.254/latest", "http://0.0.0.0/",
                "http://224.0.0.1/", "http://[::ffff:192.168.0.1]/", "http://100.64.0.1/"):
        body = await problem(await client.post(W, headers=tenant.headers, json={
            "url": url, "events": ["field.*"]}), 422, "URL_NOT_ALLOWED")
        assert "address" in body["errors"]["url"][0], url
    public = await subscribe(client, tenant, "https://93.184.216.34/hook", ["connector.deleted"])
    await problem(await client.patch(f"{W}/{public['id']}", headers=tenant.headers, json={
        "url": "http://127.0.0.1/"}), 422, "URL_NOT_ALLOWED")


async def test_a_name_that_resolves_to_a_private_address_at_delivery_is_not_sent_to(
        aiohttp_client, settings, receiver, monkeypatch):
    """The name was public when subscribing (DNS rebinding): the worker resolves it again
    and refuses to connect."""
    client, tenant = await served(aiohttp_client, settings, webhook_allow_private=False)
    real = ssrf.resolve
    monkeypatch.setattr(ssrf, "resolve", lambda host, port: real("93.184.216.34", port))
    made = await subscribe(client, tenant, receiver.url.replace("127.0.0.1", "localhost"))
    monkeypatch.setattr(ssrf, "resolve", real)
    await create_field(client, tenant, "rebound")
    await until(lambda: attempts_of(client, tenant, made["id"]), what="an attempt")
    attempt = (await deliveries(client, tenant, made["id"]))["deliveries"][0]
    assert attempt["status_code"] is None and attempt["state"] == "retrying"
    assert attempt["error"].startswith("refused: localhost resolves to a loopback address")
    assert receiver.requests == []


async def test_another_organization_neither_sees_its_webhooks_nor_gets_its_events(
        client, tenant, other_tenant, receiver):
    made = await subscribe(client, tenant, receiver.url)
    path = f"{W}/{made['id']}"
    theirs = other_tenant.headers
    for method, url, body in (("GET", path, None), ("PATCH", path, {"description": "x"}),
                              ("DELETE", path, None), ("GET", path + "/deliveries", None),
                              ("POST", path + "/replay", {"from_seq": 1})):
        await problem(await client.request(method, url, headers=theirs, json=body), 404,
                      "NOT_FOUND")
    assert (await answer(await client.get(W, headers=theirs)))["webhooks"] == []
    await create_field(client, other_tenant, "not_for_acme")
    mine = await create_field(client, tenant, "for_acme")
    await until(lambda: receiver.requests, what="a delivery")
    await answer(await client.get(path, headers=tenant.headers))
    assert [r.json["data"]["data"]["field_id"] for r in receiver.requests] == [mine]


# --- deliveries ------------------------------------------------------------------------------

async def test_a_delivery_is_the_audit_entry_signed_as_standard_webhooks_says(
        client, tenant, receiver):
    before = await create_field(client, tenant, "before_the_hook")  # no history
    made = await subscribe(client, tenant, receiver.url, ["field.created"])
    field_id = await create_field(client, tenant, "guardian_mobile")
    await until(lambda: receiver.requests, what="a delivery")
    [received] = receiver.requests
    assert signature_holds(made["secret"], received)
    assert not signature_holds("whsec_" + "A" * 44, received)
    body = received.json
    assert body["type"] == "field.created"
    assert body["data"] == await audit_entry(client, tenant, body["data"]["seq"])
    assert body["data"]["data"]["field_id"] == field_id != before
    assert body["timestamp"] == body["data"]["recorded_at"]
    headers = {k.lower(): v for k, v in received.headers.items()}
    assert headers["webhook-id"] == f"msg_{body['data']['event_id']}"
    assert headers["content-type"] == "application/json"
    await until(lambda: attempts_of(client, tenant, made["id"]), what="the record")
    page = await deliveries(client, tenant, made["id"])
    [attempt] = page["deliveries"]
    assert (attempt["seq"], attempt["attempt"], attempt["status_code"], attempt["state"],
            attempt["event"]) == (body["data"]["seq"], 1, 200, "delivered", "field.created")
    assert attempt["next_retry_at"] is None and attempt["duration_ms"] > 0
    assert page["position"]["seq"] == body["data"]["seq"]


async def test_events_arrive_in_log_order_and_a_failing_one_holds_the_rest_back(
        client, tenant, receiver):
    receiver.script = [500, 503]  # the first event fails twice
    made = await subscribe(client, tenant, receiver.url, ["field.*", "option.*"])
    for n in range(6):
        await create_field(client, tenant, f"field_{n}")
    await until(lambda: len(receiver.requests) >= 8, what="eight requests")
    seqs = receiver.seqs()
    assert seqs[0] == seqs[1] == seqs[2] and seqs[2:] == sorted(set(seqs[2:])), seqs
    assert len(set(seqs)) == 6
    attempts = (await deliveries(client, tenant, made["id"]))["deliveries"][::-1]
    assert [(a["attempt"], a["status_code"], a["state"]) for a in attempts[:3]] == [
        (1, 500, "retrying"), (2, 503, "retrying"), (3, 200, "delivered")]
    assert attempts[0]["next_retry_at"] > attempts[0]["attempted_at"]


async def test_an_event_failing_past_the_retry_window_is_marked_failed_and_the_next_goes(
        aiohttp_client, settings, receiver):
    client, tenant = await served(aiohttp_client, settings, webhook_retry_hours=0.5 / 3600)
    receiver.status = 500
    made = await subscribe(client, tenant, receiver.url)
    await create_field(client, tenant, "never_taken")

    async def failed():
        return any(a["state"] == "failed" for a in await attempts_of(
            client, tenant, made["id"]))
    await until(failed, what="the event marked failed")
    receiver.status = 200
    second = await create_field(client, tenant, "taken")
    await until(lambda: receiver.requests and receiver.requests[-1].json["data"]["data"][
        "field_id"] == second, what="the next event")


async def test_a_restart_resumes_from_the_durable_position(aiohttp_client, client, app,
                                                           tenant, receiver, settings):
    made = await subscribe(client, tenant, receiver.url)
    await create_field(client, tenant, "first")
    await until(lambda: attempts_of(client, tenant, made["id"]), what="its record")
    await client.close()  # the worker stops; the position stays in the database
    fresh = create_app(settings)
    async with fresh[backend_key]:
        await execute(fresh[backend_key].store, fresh[context_key], CreateField(
            org_id=tenant.id, name="while_down", category="HRIS", model="employee",
            source="API"))
    again = await aiohttp_client(create_app(settings))
    await create_field(again, tenant, "after")
    await until(lambda: len(receiver.requests) == 3, what="the two later deliveries")
    names_seen = [r.json["data"]["data"].get("name") for r in receiver.requests]
    assert names_seen == ["first", "while_down", "after"]


async def test_two_replicas_deliver_a_subscription_from_one_at_a_time(
        aiohttp_client, client, tenant, receiver, settings):
    """Two processes on one database: one holds the subscription's lease and delivers
    it, in order, once; when it stops, the other takes the lease over and goes on."""
    other = await aiohttp_client(create_app(settings))
    made = await subscribe(client, tenant, receiver.url)
    names_sent = [f"field_{n}" for n in range(10)]
    for n, name in enumerate(names_sent):
        await create_field(client if n % 2 else other, tenant, name)
    await until(lambda: len(receiver.requests) == 10, what="ten deliveries")

    async def recorded():
        return len(await attempts_of(client, tenant, made["id"])) == 10
    await until(recorded, what="their records")
    assert [r.json["data"]["data"]["name"] for r in receiver.requests] == names_sent
    holders = [c for c in (client, other) if await held_by(c)]
    assert len(holders) == 1
    [rest] = [c for c in (client, other) if c is not holders[0]]
    await holders[0].close()  # its lease is released: the other takes it over
    await create_field(rest, tenant, "after_the_holder_stopped")
    await until(lambda: len(receiver.requests) == 11, what="the next delivery")
    assert receiver.requests[-1].json["data"]["data"]["name"] == "after_the_holder_stopped"
    assert await held_by(rest)


async def held_by(client) -> list:
    app = client.server.app
    return await app[backend_key].queries.held_webhooks(app[webhooks_key].owner)


async def test_a_replay_delivers_again_from_a_sequence_number(client, tenant, receiver):
    made = await subscribe(client, tenant, receiver.url)
    for name in ("one", "two", "three"):
        await create_field(client, tenant, name)
    await until(lambda: len(receiver.requests) == 3, what="three deliveries")
    second = receiver.requests[1].seq
    replayed = await client.post(f"{W}/{made['id']}/replay", headers=tenant.headers,
                                 json={"from_seq": second})
    assert await answer(replayed, 202) == {"id": made["id"], "from_seq": second,
                                           "status": "REPLAYING"}
    await until(lambda: len(receiver.requests) == 5, what="two deliveries again")
    assert receiver.seqs()[3:] == receiver.seqs()[1:3]
    assert [r.headers["webhook-id"] for r in receiver.requests[3:]] == [
        r.headers["webhook-id"] for r in receiver.requests[1:3]]
    await problem(await client.post(f"{W}/{made['id']}/replay", headers=tenant.headers,
                                    json={"from_seq": 10_000}), 422, "VALIDATION_ERROR")


async def test_a_redirect_is_not_followed(client, tenant, receiver):
    receiver.script = [("redirect", "/elsewhere")]
    made = await subscribe(client, tenant, receiver.url)
    await create_field(client, tenant, "redirected")
    await until(lambda: len(receiver.requests) >= 2, what="the retry")
    assert receiver.at("/elsewhere") == []
    first = (await deliveries(client, tenant, made["id"]))["deliveries"][-1]
    assert (first["status_code"], first["state"]) == (302, "retrying")


async def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(aiohttp_client, settings,
                                                                      receiver):
    client, tenant = await served(aiohttp_client, settings, webhook_timeout_seconds=0.3)
    receiver.script = [("sleep", 2.0)]
    made = await subscribe(client, tenant, receiver.url)
    await create_field(client, tenant, "slow")
    await until(lambda: len(receiver.requests) >= 2, what="the retry")

    async def delivered():
        return any(a["state"] == "delivered" for a in await attempts_of(
            client, tenant, made["id"]))
    await until(delivered, what="the retry recorded")
    first, second = (await deliveries(client, tenant, made["id"]))["deliveries"][::-1][:2]
    assert first["status_code"] is None and first["error"] == "no answer within 0.3 s"
    assert second["status_code"] == 200


async def test_a_changed_url_gets_the_next_events_and_a_deleted_webhook_none(
        client, tenant, receiver):
    made = await subscribe(client, tenant, receiver.url)
    await answer(await client.patch(f"{W}/{made['id']}", headers=tenant.headers,
                                    json={"url": receiver.url.replace("/hooks", "/moved")}))
    await create_field(client, tenant, "moved")
    await until(lambda: receiver.at("/moved"), what="a delivery to the new url")
    await answer(await client.delete(f"{W}/{made['id']}", headers=tenant.headers))
    await create_field(client, tenant, "unheard")
    other = await subscribe(client, tenant, receiver.url.replace("/hooks", "/other"))
    await create_field(client, tenant, "heard_by_the_other")
    await until(lambda: receiver.at("/other"), what="the other's delivery")
    assert len(receiver.at("/moved")) == 1 and other["id"] != made["id"]


async def test_rebuild_verify_and_a_backup_keep_the_subscriptions_and_their_state(
        aiohttp_client, client, tenant, receiver, backend, settings, tmp_path):
    made = await subscribe(client, tenant, receiver.url)
    await answer(await client.patch(f"{W}/{made['id']}", headers=tenant.headers,
                                    json={"description": "kept"}))
    await create_field(client, tenant, "before_the_backup")
    await until(lambda: attempts_of(client, tenant, made["id"]), what="its record")
    shown = await answer(await client.get(f"{W}/{made['id']}", headers=tenant.headers))
    backup = str(tmp_path / "backup.jsonl")
    with backend.maintenance() as maintenance:
        assert maintenance.verify()["ok"] is True
        assert maintenance.rebuild()["matched"] is True
        assert maintenance.export(backup)["webhooks"] == 1
    await client.close()
    (tmp_path / "copy").mkdir()
    copy = HARNESSES[backend.name](str(tmp_path / "copy"))
    with copy.maintenance() as maintenance:
        assert maintenance.restore(backup)["webhooks"] == 1
    restored = await aiohttp_client(create_app(settings.with_(db=copy.db)))
    assert await answer(await restored.get(f"{W}/{made['id']}", headers=tenant.headers)) == shown
    await create_field(restored, tenant, "after_the_restore")
    await until(lambda: len(receiver.requests) == 2, what="the next delivery, not the first")
    assert receiver.requests[1].json["data"]["data"]["name"] == "after_the_restore"
    assert signature_holds(made["secret"], receiver.requests[1])
