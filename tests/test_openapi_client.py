"""The OpenAPI document as a client generator uses it.

Operation ids are unique, snake_case and stable (the published ones are listed here:
a generated client names its functions after them, so changing one breaks its users).
The document declares what a generator needs: parameters, every error status with the
Problem schema, response headers, servers, examples.

Then a Python client is generated from the LIVE document (the app's own answer to
GET /api/v1/openapi.json) with openapi-python-client, into tmp_path, with no warning
(`--fail-on-warning`: a skipped schema, endpoint or post hook is a warning), imported,
and the reference's v1 flow runs through its typed functions and models against the
app: lookups, sync, raw data, preview, create a field and an integration-scoped mapping,
the effective configuration, the field, update and delete the mapping, delete the field;
and a persons field with options. Generation needs no network (`--path`); its post hooks
run the venv's ruff, so the venv's bin directory is put on PATH (without it the
generator warns "Skipping Integration: ruff is not in PATH", which is what a report of
"it skips Integration" was: a post-hook integration, not the `Integration` schema).
"""

import asyncio
import importlib
import json
import os
import re
import sys

import jsonschema_rs
import pytest

from service.apis import OPERATIONS
from service.openapi import build_spec
from service.routing import OPERATION_ID, PUBLIC

PACKAGE = "custom_fields_client"
GENERATION_TIMEOUT = 120  # seconds; it takes about two

# The published operation ids. A route added later gets its id from its handler until it
# is named; add it here once it is.
OPERATION_IDS = {
    "get_liveness": ("GET", "/healthz"),
    "get_readiness": ("GET", "/readyz"),
    "get_metrics": ("GET", "/metrics"),
    "get_openapi_document": ("GET", "/api/v1/openapi.json"),
    "list_models": ("GET", "/api/v1/lookup/models"),
    "list_integrations": ("GET", "/api/v1/lookup/integrations"),
    "list_events": ("GET", "/api/v1/events"),
    "get_field_history": ("GET", "/api/v1/custom-fields/{field_id}/history"),
    "get_raw_data": ("GET", "/api/v1/custom-fields/raw-data"),
    "preview_json_path": ("POST", "/api/v1/custom-fields/preview"),
    "preview_coverage": ("POST", "/api/v1/custom-fields/preview/coverage"),
    "get_effective_configuration": ("GET", "/api/v1/custom-fields/configuration"),
    "list_resolved_values": ("GET", "/api/v1/custom-fields/values"),
    "create_mapping": ("POST", "/api/v1/custom-fields/mapping"),
    "create_mappings_in_bulk": ("POST", "/api/v1/custom-fields/mapping/bulk"),
    "export_definitions": ("GET", "/api/v1/custom-fields/export"),
    "import_definitions": ("POST", "/api/v1/custom-fields/import"),
    "update_mapping": ("PATCH", "/api/v1/custom-fields/mapping/{mapping_id}"),
    "delete_mapping": ("DELETE", "/api/v1/custom-fields/mapping/{mapping_id}"),
    "create_connector": ("POST", "/api/v1/connectors"),
    "list_connectors": ("GET", "/api/v1/connectors"),
    "get_connector": ("GET", "/api/v1/connectors/{connector_token}"),
    "update_connector": ("PATCH", "/api/v1/connectors/{connector_token}"),
    "delete_connector": ("DELETE", "/api/v1/connectors/{connector_token}"),
    "sync_records": ("POST", "/api/v1/connectors/{connector_token}/sync"),
    "create_webhook": ("POST", "/api/v1/webhooks"),
    "list_webhooks": ("GET", "/api/v1/webhooks"),
    "get_webhook": ("GET", "/api/v1/webhooks/{webhook_id}"),
    "update_webhook": ("PATCH", "/api/v1/webhooks/{webhook_id}"),
    "delete_webhook": ("DELETE", "/api/v1/webhooks/{webhook_id}"),
    "list_webhook_deliveries": ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"),
    "replay_webhook": ("POST", "/api/v1/webhooks/{webhook_id}/replay"),
    "create_custom_field": ("POST", "/api/v1/custom-fields"),
    "list_custom_fields": ("GET", "/api/v1/custom-fields"),
    "get_custom_field": ("GET", "/api/v1/custom-fields/{field_id}"),
    "delete_custom_field": ("DELETE", "/api/v1/custom-fields/{field_id}"),
    "update_custom_field": ("PATCH", "/api/v1/custom-fields/{field_id}"),
    "revert_custom_field": ("POST", "/api/v1/custom-fields/{field_id}/revert"),
    "create_custom_field_option": ("POST", "/api/v1/custom-fields/{field_id}/options"),
    "reorder_custom_field_options": ("PUT", "/api/v1/custom-fields/{field_id}/options/order"),
    "update_custom_field_option": ("PATCH",
                                   "/api/v1/custom-fields/{field_id}/options/{option_id}"),
    "delete_custom_field_option": ("DELETE",
                                   "/api/v1/custom-fields/{field_id}/options/{option_id}"),
    "persons_list_custom_fields": ("GET", "/custom-fields"),
    "persons_create_custom_field": ("POST", "/custom-fields"),
    "persons_get_custom_field": ("GET", "/custom-fields/{field_id}"),
    "persons_update_custom_field": ("PATCH", "/custom-fields/{field_id}"),
    "persons_delete_custom_field": ("DELETE", "/custom-fields/{field_id}"),
    "persons_create_option": ("POST", "/custom-fields/{field_id}/options"),
    "persons_reorder_options": ("PUT", "/custom-fields/{field_id}/options/order"),
    "persons_update_option": ("PATCH", "/custom-fields/{field_id}/options/{option_id}"),
    "persons_delete_option": ("DELETE", "/custom-fields/{field_id}/options/{option_id}"),
}

DOCUMENT = build_spec(OPERATIONS)


def _operations(document=DOCUMENT):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def _resolve(document, item):
    while "$ref" in item:
        kind, name = item["$ref"].split("/")[-2:]
        item = document["components"][kind][name]
    return item


# --- operation ids --------------------------------------------------------------------------

def test_every_operation_has_a_unique_snake_case_id():
    ids = [op.operation_id for op in OPERATIONS]
    assert all(ids), [(op.method, op.path) for op in OPERATIONS if not op.operation_id]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert sorted(o["operationId"] for _, _, o in _operations()) == sorted(ids)


def test_the_published_operation_ids_are_stable():
    found = {operation["operationId"]: (method, path) for method, path, operation in
             _operations()}
    assert {i: found.get(i) for i in OPERATION_IDS} == OPERATION_IDS


def test_an_unnamed_route_is_named_after_its_handler_and_api():
    from service.routing import BEARER, PERSONS, Api, Routes

    routes = Routes("t")

    @routes.get("/x", summary="x", ok={200: None}, scope="listing")
    async def read_the_x(request):  # pragma: no cover
        raise AssertionError

    assert Api("/v", BEARER, [routes]).operations()[0].operation_id == "read_the_x"
    assert Api("/p", PERSONS, [routes]).operations()[0].operation_id == "persons_read_the_x"
    assert Api("/o", BEARER, [routes], id_prefix="o_").operations()[0].operation_id == (
        "o_read_the_x")
    with pytest.raises(ValueError, match="snake_case"):
        routes.get("/y", summary="y", ok={200: None}, scope="listing",
                   operation_id="getY")(read_the_x)


# --- what the document declares ---------------------------------------------------------------

def test_servers_tags_and_summaries():
    assert DOCUMENT["servers"][0]["url"] == "http://127.0.0.1:8080"
    for method, path, operation in _operations():
        assert operation["summary"] and len(operation["tags"]) == 1, (method, path)


def test_every_query_is_declared():
    for path in ("/api/v1/lookup/models", "/api/v1/lookup/integrations"):
        params = DOCUMENT["paths"][path]["get"]["parameters"]
        assert [(p["in"], p["name"], p["required"]) for p in params] == [
            ("query", "category", False)], path
    for method, path, operation in _operations():
        for param in operation["parameters"]:
            schema = param["schema"]
            if param["in"] == "query":  # a query string has no null
                assert "null" not in json.dumps(schema.get("type")), (method, path, param)
                assert schema.get("default", "") is not None, (method, path, param)


def test_every_error_status_is_a_problem_with_its_headers():
    by_id = {op.operation_id: op for op in OPERATIONS}
    for method, path, operation in _operations():
        op = by_id[operation["operationId"]]
        errors = sorted(int(s) for s in operation["responses"] if s[0] in "45")
        assert errors == op.error_statuses, (method, path)
        if op.auth != PUBLIC:
            assert {401, 429, 503} <= set(errors), (method, path)
        if op.body is not None:
            assert {400, 413, 422} <= set(errors), (method, path)
        if method in ("PATCH", "PUT", "DELETE"):
            assert 412 in errors, (method, path)
        if path.startswith("/custom-fields"):
            assert 403 in errors, (method, path)
        for status, response in operation["responses"].items():
            response = _resolve(DOCUMENT, response)
            assert "X-Request-Id" in response["headers"], (method, path, status)
            if status[0] in "45" or status == "default":
                assert _resolve(DOCUMENT, response["content"]["application/problem+json"][
                    "schema"])["required"] == ["code", "detail", "status", "title", "type"]
            wanted = {"401": "WWW-Authenticate", "429": "Retry-After", "503": "Retry-After",
                      "201": "Location"}.get(status)
            if wanted:
                assert wanted in response["headers"], (method, path, status)
    readyz = DOCUMENT["paths"]["/readyz"]["get"]["responses"]
    assert sorted(readyz) == ["200", "503", "default"]


def test_response_headers_of_writes_and_resources():
    responses = {o["operationId"]: o["responses"] for _, _, o in _operations()}
    for name in ("get_custom_field", "create_custom_field", "create_mapping", "update_mapping",
                 "persons_get_custom_field", "persons_create_custom_field",
                 "persons_update_custom_field", "persons_create_option",
                 "persons_delete_option"):
        success = next(r for s, r in responses[name].items() if s[0] == "2")
        assert "ETag" in success["headers"], name
    for name in ("delete_mapping", "delete_custom_field", "persons_delete_custom_field"):
        success = next(r for s, r in responses[name].items() if s[0] == "2")
        assert "ETag" not in success["headers"], name
    for op in OPERATIONS:
        success = responses[op.operation_id][str(op.status)]
        replayed = "Idempotent-Replayed" in success["headers"]
        assert replayed == (op.changes_state and op.auth != PUBLIC), op.operation_id
    raw = responses["get_raw_data"]["200"]["headers"]
    assert raw["X-Raw-Data-Source"]["required"] is True


def test_examples_fit_their_schemas():
    """Each example of a request or success body validates against its schema (with the
    document's own components; jsonschema_rs comes with schemathesis)."""
    components = {"components": DOCUMENT["components"]}
    counted = 0
    for method, path, operation in _operations():
        media = [m for r in operation["responses"].values() if "content" in r
                 for m in r["content"].values()]
        media += list(operation.get("requestBody", {}).get("content", {}).values())
        for item in media:
            values = [e["value"] for e in item.get("examples", {}).values()]
            values += [item["example"]] if "example" in item else []
            for value in values:
                validator = jsonschema_rs.Draft202012Validator({**item["schema"], **components})
                assert validator.is_valid(value), (method, path, value)
                counted += 1
    assert counted >= 20


# --- a generated client -------------------------------------------------------------------------

async def _generate(document: dict, folder) -> None:
    source = folder / "openapi.json"
    source.write_text(json.dumps(document))
    config = folder / "generator.json"
    config.write_text(json.dumps({"package_name_override": PACKAGE,
                                  "project_name_override": PACKAGE}))
    env = {**os.environ,
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openapi_python_client", "generate", "--path", str(source),
        "--config", str(config), "--meta", "none", "--output-path", str(folder / PACKAGE),
        "--fail-on-warning", cwd=str(folder), env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), GENERATION_TIMEOUT)
    text = output.decode()
    assert process.returncode == 0, text
    assert not re.search(r"warning|skipping|error", text, re.IGNORECASE), text


@pytest.fixture
async def generated(client, tmp_path, monkeypatch):
    """The client package generated from the document the app serves, imported."""
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document == json.loads(json.dumps(DOCUMENT))
    await _generate(document, tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield importlib.import_module(PACKAGE)
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


async def test_the_v1_flow_through_a_generated_client(generated, client, tenant):
    api = lambda name: _module(generated, "api." + name)  # noqa: E731
    m = _module(generated, "models")
    base_url = str(client.server.make_url("")).rstrip("/")
    async with generated.AuthenticatedClient(base_url=base_url, token=tenant.key,
                                             raise_on_unexpected_status=True) as c:
        # Step 1: discover models and integrations
        models = (await api("lookups.list_models").asyncio_detailed(
            client=c, category="HRIS")).parsed
        assert isinstance(models, m.Models)
        assert any(isinstance(x, m.Model) and (x.slug, x.display_name, x.category)
                   == ("employee", "Employee", "HRIS") for x in models.models)
        integrations = (await api("lookups.list_integrations").asyncio_detailed(
            client=c, category="HRIS")).parsed
        assert isinstance(integrations, m.Integrations)
        workday = next(i for i in integrations.integrations if i.slug == "workday")
        assert (workday.display_name, workday.categories) == ("Workday", ["HRIS"])

        # the connector syncs a row; Step 2: the raw upstream payload
        synced = await api("v1.sync_records").asyncio_detailed(
            tenant.connector_token, client=c, body=m.Sync(
                category="HRIS", model="employee", records=[m.SyncRecord(
                    remote_id="emp_123", data=m.SyncRecordData.from_dict({
                        "id": "emp_123", "first_name": "Ada",
                        "guardian_mobile": "+1-555-123-4567"}))]))
        assert isinstance(synced.parsed, m.SyncResult), synced.content
        assert (synced.parsed.received, synced.parsed.inserted) == (1, 1)
        raw = await api("v1.get_raw_data").asyncio_detailed(
            client=c, category="HRIS", model="employee", connector_token=tenant.connector_token)
        assert isinstance(raw.parsed, m.RawDocument), raw.content
        assert raw.headers["X-Raw-Data-Source"] == "connector_sync"
        assert raw.parsed.data["employee"]["guardian_mobile"] == "+1-555-123-4567"

        # Step 3: validate the JMESPath
        preview = (await api("v1.preview_json_path").asyncio_detailed(client=c, body=m.Preview(
            connector_token=tenant.connector_token, category="HRIS", model="employee",
            json_path="data.employee.guardian_mobile"))).parsed
        assert isinstance(preview, m.PreviewResult)
        assert preview.resolved_value == "+1-555-123-4567"
        assert preview.resolved_value_type == m.PreviewResultResolvedValueType.STRING
        assert preview.raw_data_source == m.PreviewResultRawDataSource.CONNECTOR_SYNC
        assert preview.connector_token == tenant.connector_token

        # Step 4: create the custom field
        created = await api("v1.create_custom_field").asyncio_detailed(
            client=c, body=m.FieldCreate(name="guardian_mobile", category="HRIS",
                                         model="employee",
                                         description="Employee's guardian mobile number"))
        assert created.status_code == 201 and isinstance(created.parsed, m.Status)
        assert created.parsed.status == m.StatusStatus.SUCCESS
        assert created.headers["ETag"]
        field_id = created.parsed.id
        assert created.headers["Location"] == f"/api/v1/custom-fields/{field_id}"

        # Step 5: an integration-scoped mapping
        mapped = await api("v1.create_mapping").asyncio_detailed(
            client=c, body=m.MappingCreate(custom_field_id=field_id, integration_slug="workday",
                                           json_path="data.employee.guardian_mobile"))
        assert mapped.status_code == 201 and isinstance(mapped.parsed, m.Status)
        mapping_id, mapping_tag = mapped.parsed.id, mapped.headers["ETag"]
        assert mapped.headers["Location"] == f"/api/v1/custom-fields/mapping/{mapping_id}"

        # Step 6: the effective configuration
        configuration = (await api("v1.get_effective_configuration").asyncio_detailed(
            client=c, connector_token=tenant.connector_token, category="HRIS",
            model="employee")).parsed
        assert isinstance(configuration, m.Configuration)
        assert (configuration.integration_slug, configuration.category,
                configuration.model) == ("workday", "HRIS", "employee")
        [entry] = configuration.fields
        assert isinstance(entry, m.ConfigurationField)
        assert (entry.custom_field_id, entry.name, entry.json_path, entry.mapping_id) == (
            field_id, "guardian_mobile", "data.employee.guardian_mobile", mapping_id)
        assert entry.source == m.ConfigurationFieldSource.ORGANIZATION
        assert entry.description == "Employee's guardian mobile number"

        # the field with its mappings
        got = await api("v1.get_custom_field").asyncio_detailed(field_id, client=c)
        field = got.parsed
        assert isinstance(field, m.V1FieldWithMappings) and got.headers["ETag"]
        assert (field.id, field.name, field.category, field.model) == (
            field_id, "guardian_mobile", "HRIS", "employee")
        assert field.number_format is None and field.options == []
        [mapping] = field.mappings
        assert isinstance(mapping, m.V1Mapping)
        assert mapping.scope == m.V1MappingScope.ORGANIZATION
        assert (mapping.integration_slug, mapping.connector_token) == ("workday", None)

        # update the mapping (If-Match: the ETag its creation answered)
        updated = await api("v1.update_mapping").asyncio_detailed(
            mapping_id, client=c, body=m.MappingPatch(json_path="data.employee.first_name"),
            if_match=mapping_tag)
        assert updated.status_code == 200 and isinstance(updated.parsed, m.Status)
        stale = await api("v1.update_mapping").asyncio_detailed(
            mapping_id, client=c, body=m.MappingPatch(json_path="data.employee.id"),
            if_match=mapping_tag)
        assert stale.status_code == 412 and isinstance(stale.parsed, m.Problem)
        assert stale.parsed.code == "PRECONDITION_FAILED"
        field = (await api("v1.get_custom_field").asyncio_detailed(field_id, client=c)).parsed
        assert field.mappings[0].json_path == "data.employee.first_name"

        # delete the mapping, then the field
        deleted = await api("v1.delete_mapping").asyncio_detailed(mapping_id, client=c)
        assert deleted.status_code == 200 and deleted.parsed.id == mapping_id
        deleted = await api("v1.delete_custom_field").asyncio_detailed(field_id, client=c)
        assert deleted.status_code == 200 and deleted.parsed.id == field_id
        gone = await api("v1.get_custom_field").asyncio_detailed(field_id, client=c)
        assert gone.status_code == 404 and isinstance(gone.parsed, m.Problem)
        assert (gone.parsed.status, gone.parsed.code) == (404, "NOT_FOUND")

        # the persons API: organizationSlug is a parameter of every function
        persons = await api("persons.persons_create_custom_field").asyncio_detailed(
            client=c, organization_slug=tenant.slug, body=m.PersonsFieldCreate(
                name="Funding Round", type_=m.PersonsFieldCreateType.MULTISELECT,
                options=[m.Option(value="Seed"), m.Option(value="Series A")]))
        assert persons.status_code == 201 and isinstance(persons.parsed, m.PersonsField)
        assert [o.value for o in persons.parsed.options] == ["Seed", "Series A"]
        assert persons.headers["Location"] == f"/custom-fields/{persons.parsed.id}"
        listed = (await api("persons.persons_list_custom_fields").asyncio_detailed(
            client=c, organization_slug=tenant.slug)).parsed
        assert [f.name for f in listed.custom_fields] == ["Funding Round"]
        forbidden = await api("persons.persons_list_custom_fields").asyncio_detailed(
            client=c, organization_slug="someone-else")
        assert forbidden.status_code == 403 and forbidden.parsed.code == "FORBIDDEN"

    async with generated.AuthenticatedClient(base_url=base_url, token="not-a-key",
                                             raise_on_unexpected_status=True) as c:
        refused = await api("lookups.list_models").asyncio_detailed(client=c)
        assert refused.status_code == 401 and isinstance(refused.parsed, m.Problem)
        assert refused.parsed.code == "UNAUTHORIZED"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
