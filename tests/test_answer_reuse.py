"""Reused GET answers (service/answers.py): served again only while nothing changed, only
to the same key, never past a revocation, never around the rate limiter.

Each test asks the same GET twice or more around a change and checks the answer is the
one the full path gives: the kept answer is invisible except in speed.
"""

import asyncio
import io
import json

import pytest

from service.app import create_app
from service.appkeys import access_log_key, answer_cache_key
from service.commands.tenancy import RevokeKey
from service.routing import Operation
from tests.answers import answer, problem
from tests.conftest import make_tenant, run

F = "/api/v1/custom-fields"
LIST = F + "?category=HRIS&model=employee&limit=100"


def configuration(tenant) -> str:
    return (f"{F}/configuration?connector_token={tenant.connector_token}"
            "&category=HRIS&model=employee")


async def create_field(client, tenant, name: str) -> dict:
    return await answer(await client.post(F, headers=tenant.headers, json={
        "name": name, "category": "HRIS", "model": "employee"}), 201)


async def names(client, tenant) -> list[str]:
    body = await answer(await client.get(LIST, headers=tenant.headers))
    return [f["name"] for f in body["custom_fields"]]


async def test_a_repeated_read_is_answered_the_same_and_a_write_shows_at_once(client, tenant):
    await create_field(client, tenant, "badge_code")
    first = await client.get(configuration(tenant), headers=tenant.headers)
    second = await client.get(configuration(tenant), headers=tenant.headers)
    assert first.status == second.status == 200
    assert await first.read() == await second.read()
    assert first.headers["Content-Type"] == second.headers["Content-Type"]
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert await names(client, tenant) == ["badge_code"]
    await create_field(client, tenant, "shirt_size")
    assert await names(client, tenant) == ["badge_code", "shirt_size"]


async def test_a_kept_answer_is_not_served_to_another_organizations_key(
        client, tenant, other_tenant):
    await create_field(client, tenant, "badge_code")
    assert await names(client, tenant) == ["badge_code"]
    assert await names(client, other_tenant) == []


async def test_a_revoked_key_is_refused_on_the_next_identical_read(client, app, tenant):
    assert await names(client, tenant) == []
    assert await names(client, tenant) == []
    await run(app, RevokeKey(tenant.key_id))
    await problem(await client.get(LIST, headers=tenant.headers), 401, "UNAUTHORIZED")


async def test_a_key_written_differently_is_authenticated_on_its_own(client, tenant):
    assert await names(client, tenant) == []
    await problem(await client.get(LIST, headers={"Authorization": f"Bearer {tenant.key}x"}),
                  401, "UNAUTHORIZED")


async def test_the_access_line_names_the_organization_of_a_reused_answer(client, app, tenant):
    stream, log = io.StringIO(), app[access_log_key]
    log.enabled, log._stream = True, stream  # the test run's logging is not at INFO
    for _ in range(2):
        await answer(await client.get(LIST, headers=tenant.headers))
    log.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["route"], line["status"], line["org"]) for line in lines] == [
        ("/api/v1/custom-fields", 200, "acme")] * 2


async def test_a_write_by_another_process_shows_in_the_next_read(client, app, tenant, settings):
    assert await names(client, tenant) == []
    other = create_app(settings)  # another server on the same database
    async with other_client(other) as writer:
        await create_field(writer, tenant, "badge_code")
    deadline = asyncio.get_running_loop().time() + 5
    while await names(client, tenant) != ["badge_code"]:  # PostgreSQL: told by NOTIFY
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.02)


def other_client(app):
    from aiohttp.test_utils import TestClient, TestServer
    return TestClient(TestServer(app, host="127.0.0.1"))


async def test_with_rate_limiting_on_every_read_is_counted(aiohttp_client, settings):
    app = create_app(settings.with_(rate_limit_per_second=0.01, rate_limit_burst=2))
    client = await aiohttp_client(app)
    tenant = await make_tenant(app, "acme")
    assert not app[answer_cache_key].enabled
    for _ in range(2):
        await answer(await client.get(LIST, headers=tenant.headers))
    await problem(await client.get(LIST, headers=tenant.headers), 429, "RATE_LIMITED")


def test_only_a_get_can_be_declared_reused():
    from service.routing import Routes
    routes = Routes("v1")
    with pytest.raises(ValueError, match="only a GET"):
        routes.post("/x", summary="x", ok={200: None}, scope="listing", reuse=True)(
            lambda request: None)
    assert Operation.__dataclass_fields__["reuse"].default is False
