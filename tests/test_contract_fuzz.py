"""Contract fuzzing: schemathesis against the running server, over every operation of the
OpenAPI document it serves at /api/v1/openapi.json.

One server subprocess (`python -m service --db DB serve`) on a free port of 127.0.0.1 and a
temporary database is bootstrapped with the CLI (organization, key, every integration of
the catalogue, a workday connector) and shared by the whole module. Every call carries
the key (`Authorization: Bearer`) and the `organizationSlug` header, passed to
`call_and_validate` together with the server's address.

`@schema.parametrize()` needs the schema at import time, before the server runs, so the
document is built at import with the same builder the server serves it from
(`service.openapi.build_spec` over the route declarations), and a test checks that the served
document is exactly that one. (`schemathesis.pytest.from_fixture`, which would load it
from the running server, fails on pytest 9.2 with schemathesis 4.32: it reads
`request.node._nodeid`, which pytest 9.2 no longer has.) Each operation is its own test.

Checks: no 5xx, status codes / content types / bodies / headers as documented, and
schema-invalid requests refused. `positive_data_acceptance` is deliberately not run: a
schema-valid request may still be refused for domain reasons (unknown category, ...).
Generation is bounded (25 examples per operation, plus schemathesis' coverage cases) and
derandomized (the same cases every run) to stay well under two minutes.
"""

import collections
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.apis import OPERATIONS, declared_routes, served_routes
from service.app import create_app
from service.catalogue import Catalogue
from service.openapi import build_spec
from service.settings import Settings
from tests.processes import HOST, ROOT, clean_env, cli_json, free_port

ORG = "fuzz"
MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance, negative_data_rejection]


def _wait_ready(base: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited early with {process.returncode}"
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise AssertionError("server not ready in time")


class Server:
    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.key = key
        self.session = requests.Session()  # keep-alive: one connection for all the calls
        self.calls: collections.Counter[str] = collections.Counter()
        self.statuses: collections.Counter[int] = collections.Counter()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "organizationSlug": ORG}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contract_fuzz")
    db = str(folder / "fuzz.db")
    cli_json(db, "org", "create", "--slug", ORG, "--name", "Fuzz Inc")
    key = cli_json(db, "key", "create", "--org", ORG)["key"]
    cli_json(db, "integration", "enable", "--org", ORG, *Catalogue.load().integrations)
    cli_json(db, "connector", "create", "--org", ORG, "--integration", "workday")

    port = free_port()
    log_path = str(folder / "server.log")
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "--db", db, "serve", "--host", HOST,
             "--port", str(port)], cwd=ROOT, env=clean_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        _wait_ready(base, process)
        running = Server(base, key)
        yield running
        running.session.close()
        statuses = dict(sorted(running.statuses.items()))
        print(f"\ncontract fuzz: {sum(running.calls.values())} calls over "
              f"{len(running.calls)} operations; statuses {statuses}")
        for label, count in sorted(running.calls.items()):
            print(f"  {count:4d}  {label}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
    assert code == 0, f"server did not exit cleanly ({code}); log in {log_path}"
    with open(log_path) as log:
        text = log.read()
    assert "Traceback" not in text, text[-4000:]


def _document() -> dict:
    """The document as the server builds it, from the route declarations."""
    return build_spec(OPERATIONS)


DOCUMENT = _document()
CATALOGUE = Catalogue.load()
# Random strings are almost never a real category, model or integration: these parameters
# draw from the catalogue most of the time, so generated requests also reach the domain
# logic (and its 2xx answers) rather than stopping at "unknown category".
VOCABULARY = {
    "category": sorted(CATALOGUE.categories),
    "model": sorted({model.slug for models in CATALOGUE.categories.values() for model in models}),
    "integration_slug": sorted(CATALOGUE.integrations),
}
# Both headers are fixed values, never generated (so no negative case "mutates" one that the
# real value then replaces); the key is not known before the server runs, so the real
# values are sent with each call.
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({
    "headers": {"Authorization": "Bearer set-per-call", "organizationSlug": ORG},
    "generation": {"max-examples": MAX_EXAMPLES},
    "dictionaries": {name: {"values": values} for name, values in VOCABULARY.items()},
    "parameters": {f"{where}.{name}": {"dictionary": name, "probability": 0.8}
                   for name in VOCABULARY for where in ("body", "query")},
}))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
def test_every_operation_keeps_the_contract(case, server):
    server.calls[case.operation.label] += 1
    response = case.call_and_validate(base_url=server.base, session=server.session,
                                      headers=server.headers, checks=CHECKS, timeout=10)
    server.statuses[response.status_code] += 1


def test_every_route_is_documented(tmp_path):
    """The routes the app serves are exactly the declared ones, which the document is
    made of."""
    app = create_app(Settings(db=str(tmp_path / "doc.db"), synchronous="NORMAL"))
    assert sorted(served_routes(app)) == sorted(declared_routes())


def test_the_document_is_openapi_31_with_bearer_auth_and_problems(server):
    with urllib.request.urlopen(server.base + "/api/v1/openapi.json", timeout=10) as response:
        assert response.status == 200
        document = json.load(response)
    assert document == json.loads(json.dumps(DOCUMENT)), "fuzzed document != served document"
    assert document["openapi"].startswith("3.1.")
    components = document["components"]
    assert components["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearerAuth": []}]
    problem = components["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "default" in operation["responses"], (method, path)
            content = operation["responses"]["default"]["content"]
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"}, (method, path)
