"""HTTP edges through the real app: auth, problem+json errors, body bounds, request ids,
operational endpoints and metrics (DESIGN sections 3, 6 and 8)."""

import asyncio
import json
import warnings

import pytest
from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from service.commands.tenancy import RevokeKey
from service.jsonbody import read_json
from service.routing import public
from tests.conftest import make_tenant, run

MODELS = "/api/v1/lookup/models"
PROBLEM = "application/problem+json"
SMALL_BODY = 256



def assert_problem(response, body: dict, status: int, code: str) -> None:
    assert response.status == status
    assert response.content_type == PROBLEM
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]


async def problem(response, status: int, code: str) -> dict:
    body = json.loads(await response.text())
    assert_problem(response, body, status, code)
    return body


# --- auth ---------------------------------------------------------------------------------------

async def test_a_valid_key_is_let_through(client, tenant):
    response = await client.get(MODELS, headers=tenant.headers)
    assert response.status == 200


@pytest.mark.parametrize("authorization", [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Token cfk_not-a-bearer-token",
    "Bearer cfk_this-key-was-never-issued",
], ids=["missing", "empty", "scheme-only", "empty-key", "basic-scheme", "other-scheme",
        "unknown-key"])
async def test_a_request_without_a_valid_bearer_key_is_401_with_a_challenge(
        client, tenant, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get(MODELS, headers=headers)
    await problem(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_key_of_the_right_shape_with_the_wrong_secret_is_401(client, tenant):
    tampered = tenant.key[:-4] + ("AAAA" if not tenant.key.endswith("AAAA") else "BBBB")
    response = await client.get(MODELS, headers={"Authorization": f"Bearer {tampered}"})
    await problem(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_revoked_key_is_401(client, app, tenant):
    assert (await client.get(MODELS, headers=tenant.headers)).status == 200

    await run(app, RevokeKey(tenant.key_id))

    response = await client.get(MODELS, headers=tenant.headers)
    await problem(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_revoking_one_key_leaves_the_other_organizations_keys_working(
        client, app, tenant, other_tenant):
    await run(app, RevokeKey(tenant.key_id))
    assert (await client.get(MODELS, headers=other_tenant.headers)).status == 200


async def test_an_authorization_header_that_is_not_utf8_is_401_not_500(client, tenant):
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(b"GET " + MODELS.encode() + b" HTTP/1.1\r\nHost: test\r\n"
                     b"Authorization: Bearer \xff\xfe\r\nConnection: close\r\n\r\n")
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 401 Unauthorized"


async def test_the_first_request_of_a_process_is_not_a_500(client, tenant, monkeypatch):
    """aiohttp warns the first time a request is given state under a plain string key;
    with filterwarnings=error that made the first request of a process a 500."""
    monkeypatch.setattr(web.BaseRequest, "_seen_str_keys", set(), raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotAppKeyWarning)
        response = await client.get(MODELS, headers=tenant.headers)
    assert response.status == 200


# --- problem+json for routing errors -------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer whatever"}],
                         ids=["anonymous", "with-a-key"])
async def test_an_unknown_path_is_a_404_problem(client, headers):
    response = await client.get("/api/v1/no-such-thing/42", headers=headers)
    body = await problem(response, 404, "NOT_FOUND")
    assert "/api/v1/no-such-thing/42" in body["detail"]


async def test_a_wrong_method_is_a_405_problem_with_an_allow_header(client, tenant):
    response = await client.delete(MODELS, headers=tenant.headers)
    await problem(response, 405, "METHOD_NOT_ALLOWED")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed
    assert "DELETE" not in allowed


# --- request bodies ------------------------------------------------------------------------------

async def _echo(request: web.Request) -> web.Response:
    return web.json_response({"received": await read_json(request)})


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret-internal-detail: db password is hunter2")


@pytest.fixture
async def bounded(aiohttp_client, settings):
    """An app with a small body limit, plus test-only routes: a public JSON echo that
    reads its body with `service.jsonbody.read_json`, and a handler that crashes."""
    app = create_app(settings.with_(max_body_bytes=SMALL_BODY))
    app.router.add_post("/test-only/echo", public(_echo))
    app.router.add_get("/test-only/boom", public(_boom))
    client = await aiohttp_client(app)
    client.tenant = await make_tenant(app, "bounded")
    return client


# (path, needs the tenant's key): the test-only echo and a real v1 POST route
BODY_ROUTES = [("/test-only/echo", False), ("/api/v1/connectors", True)]
BODY_ROUTE_IDS = ["test-only-echo", "v1-create-connector"]


def _headers(client, needs_key: bool) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if needs_key:
        headers.update(client.tenant.headers)
    return headers


@pytest.mark.parametrize("path, needs_key", BODY_ROUTES, ids=BODY_ROUTE_IDS)
async def test_a_body_over_the_limit_is_413_payload_too_large(bounded, path, needs_key):
    body = json.dumps({"integration_slug": "workday", "name": "x" * (SMALL_BODY * 4)})
    response = await bounded.post(path, data=body, headers=_headers(bounded, needs_key))
    await problem(response, 413, "PAYLOAD_TOO_LARGE")


async def test_a_body_within_the_limit_is_read(bounded):
    response = await bounded.post("/test-only/echo", json={"name": "x" * 100})
    assert response.status == 200
    assert await response.json() == {"received": {"name": "x" * 100}}


@pytest.mark.parametrize("path, needs_key", BODY_ROUTES, ids=BODY_ROUTE_IDS)
@pytest.mark.parametrize("raw", [
    b"{", b"{'single': 'quotes'}", b'{"a": 1,}', b"not json at all", b"", b"   ",
    b'{"a": "\xff\xfe"}', b"[1, 2, 3]",
], ids=["truncated", "single-quotes", "trailing-comma", "text", "empty", "blank",
        "not-utf8", "not-an-object"])
async def test_malformed_json_is_400_malformed_json(bounded, path, needs_key, raw):
    response = await bounded.post(path, data=raw, headers=_headers(bounded, needs_key))
    await problem(response, 400, "MALFORMED_JSON")


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("path, needs_key", BODY_ROUTES, ids=BODY_ROUTE_IDS)
async def test_json_nested_deeper_than_the_limit_is_400_json_too_deep(
        bounded, settings, path, needs_key):
    body = _nested(settings.max_json_depth + 1)
    assert len(body) < SMALL_BODY
    response = await bounded.post(path, data=body, headers=_headers(bounded, needs_key))
    await problem(response, 400, "JSON_TOO_DEEP")


async def test_json_nested_exactly_to_the_limit_is_accepted(bounded, settings):
    response = await bounded.post("/test-only/echo", data=_nested(settings.max_json_depth))
    assert response.status == 200


async def test_pathologically_deep_json_is_a_400_not_a_500(aiohttp_client, settings):
    app = create_app(settings)
    app.router.add_post("/test-only/echo", public(_echo))
    client = await aiohttp_client(app)
    response = await client.post("/test-only/echo", data="[" * 100_000 + "]" * 100_000)
    body = json.loads(await response.text())
    assert_problem(response, body, 400, body["code"])
    assert body["code"] in {"MALFORMED_JSON", "JSON_TOO_DEEP"}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_standard_json_constants_are_400_malformed_json(bounded, constant):
    response = await bounded.post("/test-only/echo", data='{"value": %s}' % constant)
    await problem(response, 400, "MALFORMED_JSON")


# --- unexpected failures -------------------------------------------------------------------------

async def test_an_unexpected_exception_is_a_500_problem_without_its_details(bounded, caplog):
    response = await bounded.get("/test-only/boom")
    body = await problem(response, 500, "INTERNAL_ERROR")
    text = json.dumps(body)
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert "hunter2" not in text and "secret-internal-detail" not in text
    assert "hunter2" in caplog.text, "the failure is logged for operators"


# --- request ids -------------------------------------------------------------------------------

async def test_a_given_request_id_is_echoed(client, tenant):
    response = await client.get(MODELS, headers={**tenant.headers,
                                                 "X-Request-Id": "req-abc.123:xyz"})
    assert response.status == 200
    assert response.headers["X-Request-Id"] == "req-abc.123:xyz"


async def test_a_request_id_is_echoed_on_error_answers_too(client):
    response = await client.get(MODELS, headers={"X-Request-Id": "failing-req-1"})
    assert response.status == 401
    assert response.headers["X-Request-Id"] == "failing-req-1"


async def test_a_request_id_is_generated_when_absent(client, tenant):
    first = await client.get(MODELS, headers=tenant.headers)
    second = await client.get(MODELS, headers=tenant.headers)
    ids = [first.headers.get("X-Request-Id"), second.headers.get("X-Request-Id")]
    assert all(ids), ids
    assert ids[0] != ids[1]


@pytest.mark.parametrize("unsafe", ["has spaces in it", "x" * 500, "<script>"],
                         ids=["spaces", "too-long", "markup"])
async def test_an_unsafe_request_id_is_replaced_by_a_generated_one(client, unsafe):
    response = await client.get("/healthz", headers={"X-Request-Id": unsafe})
    assert response.status == 200
    generated = response.headers["X-Request-Id"]
    assert generated and generated != unsafe


# --- operations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_and_readiness_answer_200_without_a_key(client, path):
    response = await client.get(path)
    assert response.status == 200


def _samples(text: str, metric: str) -> list:
    return [sample for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == metric]


def _value(text: str, metric: str, **labels: str) -> float:
    return sum(s.value for s in _samples(text, metric)
               if all(s.labels.get(k) == v for k, v in labels.items()))


async def test_metrics_count_requests_per_route_template(client, tenant):
    for _ in range(3):
        assert (await client.get(MODELS, headers=tenant.headers)).status == 200
    assert (await client.get(MODELS)).status == 401
    await client.get("/api/v1/custom-fields/01900000-0000-7000-8000-000000000000",
                     headers=tenant.headers)

    response = await client.get("/metrics")
    assert response.status == 200
    text = await response.text()

    assert _value(text, "http_requests_total", method="GET", route=MODELS, status="200") == 3
    assert _value(text, "http_requests_total", method="GET", route=MODELS, status="401") == 1
    routes = {s.labels["route"] for s in _samples(text, "http_requests_total")}
    assert "/api/v1/custom-fields/{field_id}" in routes
    assert not any("01900000" in route for route in routes), "ids never become labels"


async def test_metrics_label_unknown_paths_without_the_path_itself(client):
    for n in range(3):
        await client.get(f"/no/such/path/{n}")
    text = await (await client.get("/metrics")).text()
    routes = {s.labels["route"] for s in _samples(text, "http_requests_total")}
    assert not any(route.startswith("/no/such/path") for route in routes)


async def test_metrics_count_events_appended_after_a_write(client, tenant):
    before = await (await client.get("/metrics")).text()
    assert _value(before, "events_appended_total", type="OrganizationCreated") == 1

    response = await client.post("/api/v1/connectors", headers=tenant.headers,
                                 json={"integration_slug": "hubspot", "name": "CRM sync"})
    assert response.status == 201

    after = await (await client.get("/metrics")).text()
    assert (_value(after, "events_appended_total", type="ConnectorCreated")
            == _value(before, "events_appended_total", type="ConnectorCreated") + 1)
