"""Definitions as code through HTTP: `GET /api/v1/custom-fields/export` and
`POST /api/v1/custom-fields/import` (dry run, prune).

An export is every field with its options, number format and mappings, without ids, in
a stable order. An import matches by (category, model, name), options by value and
mappings by scope, and applies the plan through the ordinary commands in one
transaction; export -> import into an empty organization -> export is the identity,
and importing a document (with prune) leaves exactly that document to export.
"""

import json

from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from service.appkeys import backend_key
from tests.answers import answer, problem
from tests.conftest import event_count, make_tenant
from tests.looped import served

F = "/api/v1/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}
EMPTY_PLAN = {"create": [], "update": [], "delete": [], "skipped": []}


def doc(*fields: dict, **scope) -> dict:
    body: dict = {"format_version": 1, "fields": list(fields)}
    if scope:
        body["scope"] = scope
    return body


def employee_field(name: str, **extra) -> dict:
    return {**EMPLOYEE, "name": name, **extra}


async def export(client, tenant, **params) -> dict:
    return await answer(await client.get(F + "/export", headers=tenant.headers, params=params))


async def import_(client, tenant, document: dict, status: int = 200, **params):
    query = {k: "true" for k, v in params.items() if v}
    response = await client.post(F + "/import", headers=tenant.headers, json=document,
                                 params=query)
    return await answer(response, status)


async def created(client, tenant, path: str, body: dict, persons: bool = False) -> dict:
    headers = tenant.persons_headers if persons else tenant.headers
    return await answer(await client.post(path, headers=headers, json=body), 201)


async def build_through_the_routes(client, tenant) -> None:
    """One of everything, made through the single-resource routes of both APIs."""
    shirt = await created(client, tenant, F, employee_field(
        "shirt_size", description="T-shirt size", type="multiselect",
        options=[{"value": "M"}, {"value": "S", "color": "#ff0000"}, {"value": "L"}]))
    salary = await created(client, tenant, F, employee_field(
        "salary", type="number", number_format={"format": "EUR", "decimal": 2}))
    await created(client, tenant, F, {"category": "ATS", "model": "candidate",
                                      "name": "referral_code"})
    await created(client, tenant, "/custom-fields", {
        "name": "Loyalty Tier", "type": "multiselect", "options": [{"value": "Gold"}]},
        persons=True)
    for body in ({"custom_field_id": shirt["id"], "integration_slug": "workday",
                  "json_path": "data.employee.shirt"},
                 {"custom_field_id": shirt["id"], "integration_slug": "bamboohr",
                  "json_path": "data.employee.size"},
                 {"custom_field_id": salary["id"], "connector_token": tenant.connector_token,
                  "json_path": "data.employee.pay.amount"}):
        await created(client, tenant, F + "/mapping", body)


# --- export ------------------------------------------------------------------------------------

async def test_an_export_is_every_definition_without_ids_in_a_stable_order(client, tenant):
    await build_through_the_routes(client, tenant)
    exported = await export(client, tenant)
    assert exported == {"format_version": 1, "scope": {"category": None, "model": None},
                        "fields": [
        {"category": "ATS", "model": "candidate", "name": "referral_code", "description": None,
         "type": "text", "options": [], "number_format": None, "mappings": []},
        {"category": "CRM", "model": "person", "name": "Loyalty Tier", "description": None,
         "type": "multiselect", "options": [{"value": "Gold", "color": None}],
         "number_format": None, "mappings": []},
        {**EMPLOYEE, "name": "salary", "description": None, "type": "number", "options": [],
         "number_format": {"format": "EUR", "decimal": 2}, "mappings": [
             {"integration_slug": None, "connector_token": tenant.connector_token,
              "json_path": "data.employee.pay.amount"}]},
        {**EMPLOYEE, "name": "shirt_size", "description": "T-shirt size", "type": "multiselect",
         "options": [{"value": "M", "color": None}, {"value": "S", "color": "#FF0000"},
                     {"value": "L", "color": None}],
         "number_format": None, "mappings": [
             {"integration_slug": "bamboohr", "connector_token": None,
              "json_path": "data.employee.size"},
             {"integration_slug": "workday", "connector_token": None,
              "json_path": "data.employee.shirt"}]}]}
    texts = [await (await client.get(F + "/export", headers=tenant.headers)).text()
             for _ in range(2)]
    assert texts[0] == texts[1]  # the same bytes, read again, keys in the order shown
    assert '"number_format":{"format":"EUR","decimal":2}' in texts[0]


async def test_an_export_can_be_narrowed_to_a_category_and_a_model(client, tenant):
    await build_through_the_routes(client, tenant)
    hris = await export(client, tenant, category="HRIS", model="employee")
    assert hris["scope"] == EMPLOYEE
    assert [f["name"] for f in hris["fields"]] == ["salary", "shirt_size"]
    assert [f["name"] for f in (await export(client, tenant, category="ATS"))["fields"]] == [
        "referral_code"]
    await problem(await client.get(F + "/export", headers=tenant.headers,
                                   params={"category": "ERP"}), 422, "UNKNOWN_CATEGORY")
    await problem(await client.get(F + "/export", headers=tenant.headers,
                                   params={"category": "HRIS", "model": "deal"}), 422,
                  "UNKNOWN_MODEL")
    body = await problem(await client.get(F + "/export", headers=tenant.headers,
                                          params={"colour": "red"}), 422, "VALIDATION_ERROR")
    assert "colour" in body["errors"]


async def test_export_import_into_an_empty_organization_export_is_the_identity(
        client, app, tenant):
    await build_through_the_routes(client, tenant)
    exported = await export(client, tenant)
    for field in exported["fields"]:  # a connector is its organization's own
        field["mappings"] = [m for m in field["mappings"] if m["connector_token"] is None]
    empty = await make_tenant(app, "empty")
    plan = await import_(client, empty, exported)
    assert plan["delete"] == plan["update"] == plan["skipped"] == [] and plan["unchanged"] == 0
    assert await export(client, empty) == exported
    again = await import_(client, empty, exported)
    assert {k: again[k] for k in EMPTY_PLAN} == EMPTY_PLAN
    assert again["unchanged"] == 4 + 4 + 2  # fields, options, mappings


async def test_connector_mappings_come_back_in_their_own_organization(client, tenant):
    await build_through_the_routes(client, tenant)
    exported = await export(client, tenant)
    emptied = await import_(client, tenant, doc(), prune=True)
    assert [e["field"] for e in emptied["delete"]] == [
        "referral_code", "Loyalty Tier", "salary", "shirt_size"]
    assert (await export(client, tenant))["fields"] == []
    await import_(client, tenant, exported)
    assert await export(client, tenant) == exported


# --- the plan: dry run, prune, skipped ----------------------------------------------------------

async def test_a_dry_run_answers_the_plan_writes_nothing_and_the_import_applies_that_plan(
        client, app, tenant):
    await build_through_the_routes(client, tenant)
    document = await export(client, tenant)
    shirt = document["fields"][3]
    shirt["description"] = "Size of the company T-shirt"
    shirt["options"] = [{"value": "XL", "color": None}, *shirt["options"]]
    shirt["mappings"][1]["json_path"] = "data.employee.shirt_size"
    document["fields"].append(employee_field("badge", mappings=[
        {"integration_slug": "hibob", "json_path": "badge"}]))
    before = await event_count(app)
    planned = await import_(client, tenant, document, dry_run=True)
    assert await event_count(app) == before
    ident = {**EMPLOYEE}
    assert planned == {
        "dry_run": True, "prune": False,
        "create": [{"kind": "option", **ident, "field": "shirt_size", "option": "XL"},
                   {"kind": "field", **ident, "field": "badge"},
                   {"kind": "mapping", **ident, "field": "badge", "integration_slug": "hibob",
                    "connector_token": None}],
        "update": [{"kind": "field", **ident, "field": "shirt_size", "changes": {
                        "description": {"before": "T-shirt size",
                                        "after": "Size of the company T-shirt"}}},
                   {"kind": "option_order", **ident, "field": "shirt_size", "changes": {
                       "order": {"before": ["M", "S", "L"], "after": ["XL", "M", "S", "L"]}}},
                   {"kind": "mapping", **ident, "field": "shirt_size",
                    "integration_slug": "workday", "connector_token": None, "changes": {
                        "json_path": {"before": "data.employee.shirt",
                                      "after": "data.employee.shirt_size"}}}],
        "delete": [], "skipped": [], "unchanged": 3 + 4 + 2}  # fields, options, mappings
    applied = await import_(client, tenant, document)
    assert applied == {**planned, "dry_run": False}
    assert await event_count(app) > before
    after = await export(client, tenant)
    assert after["fields"][4]["options"][0] == {"value": "XL", "color": None}
    assert [f["name"] for f in after["fields"]] == [
        "referral_code", "Loyalty Tier", "badge", "salary", "shirt_size"]


async def test_without_prune_nothing_is_deleted_and_what_prune_would_delete_is_skipped(
        client, app, tenant):
    await build_through_the_routes(client, tenant)
    document = await export(client, tenant, category="HRIS", model="employee")
    shirt = document["fields"][1]
    shirt["options"] = [o for o in shirt["options"] if o["value"] != "S"]
    shirt["mappings"] = shirt["mappings"][1:]
    document["fields"] = [shirt]
    kept = await import_(client, tenant, document)
    skipped = [{"kind": "option", **EMPLOYEE, "field": "shirt_size", "option": "S"},
               {"kind": "mapping", **EMPLOYEE, "field": "shirt_size",
                "integration_slug": "bamboohr", "connector_token": None},
               {"kind": "field", **EMPLOYEE, "field": "salary"}]
    assert kept["delete"] == [] and kept["skipped"] == skipped
    assert kept["create"] == kept["update"] == []  # the kept option stays where it was
    assert len((await export(client, tenant))["fields"]) == 4

    pruned = await import_(client, tenant, document, prune=True)
    assert pruned["delete"] == skipped and pruned["skipped"] == []
    assert pruned["update"] == []
    after = await export(client, tenant)
    assert [f["name"] for f in after["fields"]] == ["referral_code", "Loyalty Tier",
                                                    "shirt_size"]  # outside the scope: kept
    assert after["fields"][2] == shirt


async def test_every_change_is_an_ordinary_event_in_the_log(client, app, tenant):
    await build_through_the_routes(client, tenant)
    document = await export(client, tenant, category="HRIS", model="employee")
    salary, shirt = document["fields"]
    shirt["name"] = "shirt_size"
    shirt["type"] = "multiselect"
    shirt["options"] = [{"value": "l", "color": "#00FF00"}, {"value": "M", "color": None},
                        {"value": "XS", "color": None}]  # S goes, L is renamed, XS is new
    shirt["mappings"] = [{"integration_slug": "workday", "connector_token": None,
                          "json_path": "size"},
                         {"integration_slug": None, "connector_token": tenant.connector_token,
                          "json_path": "size.override"}]
    document["fields"] = [shirt, employee_field("badge")]  # salary goes
    before = await event_count(app)
    await answer(await client.post(F + "/import", params={"prune": "true"}, json=document,
                                   headers={**tenant.headers, "X-Request-Id": "import-1"}))
    events = [e for e in await app[backend_key].store.read_events() if e.seq > before]
    assert {e.metadata["request_id"] for e in events} == {"import-1"}
    assert sorted(e.type for e in events) == sorted([
        "OptionRemoved",                        # S
        "OptionUpdated", "OptionAdded",          # L -> l (#00FF00), XS
        "OptionsReordered",                      # l, M, XS
        "MappingDeleted", "MappingUpdated", "MappingCreated",  # bamboohr, workday, connector
        "FieldCreated",                          # badge
        "MappingDeleted", "FieldDeleted"])       # salary, with its connector mapping
    assert (await export(client, tenant, category="HRIS", model="employee"))["fields"] == [
        {**employee_field("badge"), "description": None, "type": "text", "options": [],
         "number_format": None, "mappings": []}, shirt]


# --- refusals ------------------------------------------------------------------------------------

async def test_an_invalid_document_is_422_saying_where(client, app, tenant):
    before = await event_count(app)
    cases = [
        ({"fields": []}, {"format_version": ["Missing data for required field."]}),
        ({"format_version": 2, "fields": []}, {"format_version": ["Must be one of: 1."]}),
        (doc(employee_field("ok_name"), employee_field("Not Snake")),
         {"fields": {"1": {"name": ["name must be snake_case (e.g. guardian_mobile)"]}}}),
        (doc(employee_field("size", type="multiselect", options=[
            {"value": "S"}, {"value": " s "}])),
         {"fields": {"0": {"options": {"1": {"value": ["given twice: also options.0"]}}}}}),
        (doc(employee_field("size", mappings=[
            {"integration_slug": "workday", "json_path": "a"},
            {"integration_slug": "workday", "json_path": "b"}])),
         {"fields": {"0": {"mappings": {"1": {"integration_slug": [
             "given twice: also mappings.0"]}}}}}),
        (doc(employee_field("size"), employee_field("SIZE".lower())),
         {"fields": {"1": {"name": ["given twice: also fields.0"]}}}),
        (doc(employee_field("size", options=[{"value": "S"}])),
         {"fields": {"0": {"options": ["options are only allowed on multiselect fields"]}}}),
        (doc({"category": "ATS", "model": "job", "name": "x_y"}, category="HRIS"),
         {"fields": {"0": {"category": ["outside the document's scope (category HRIS)"]}}}),
        (doc(employee_field("size", mappings=[{"json_path": "a"}])),
         {"fields": {"0": {"mappings": {"0": {
             "integration_slug": ["give exactly one of connector_token or integration_slug"],
             "connector_token": ["give exactly one of connector_token or integration_slug"]}}}}}),
    ]
    for document, errors in cases:
        body = await problem(await client.post(F + "/import", headers=tenant.headers,
                                               json=document), 422, "VALIDATION_ERROR")
        assert body["errors"] == errors, document
    assert await event_count(app) == before


async def test_a_refused_change_is_422_at_its_path_the_dry_run_says_the_same_and_nothing_is_written(
        client, app, tenant, other_tenant):
    limited = await make_tenant(app, "limited", integrations=["workday"])
    await created(client, limited, F, employee_field("salary", type="number"))
    document = doc(
        employee_field("salary", type="boolean"),                                  # unsafe
        employee_field("badge", mappings=[
            {"integration_slug": "workday", "json_path": "badge"},
            {"integration_slug": "hibob", "json_path": "badge"},                   # not enabled
            {"connector_token": other_tenant.connector_token, "json_path": "b"}]),  # not its own
        {"category": "HRIS", "model": "spaceship", "name": "warp"},                 # no model
        employee_field("code", mappings=[{"integration_slug": "workday", "json_path": "a[?"}]))
    before = await event_count(app)
    body = await problem(await client.post(F + "/import", headers=limited.headers,
                                           json=document), 422, "BATCH_REFUSED")
    assert {k: v["code"] for k, v in body["errors"].items()} == {
        "fields.2": "UNKNOWN_MODEL", "fields.3.mappings.0": "INVALID_JSON_PATH"}
    fixed = doc(*document["fields"][:2])
    body = await problem(await client.post(F + "/import", headers=limited.headers,
                                           json=fixed), 422, "BATCH_REFUSED")
    assert {k: (v["status"], v["code"]) for k, v in body["errors"].items()} == {
        "fields.0": (409, "UNSAFE_TYPE_CHANGE"),
        "fields.1.mappings.1": (422, "INTEGRATION_NOT_ENABLED"),
        "fields.1.mappings.2": (404, "CONNECTOR_NOT_FOUND")}
    assert body["errors"]["fields.1.mappings.1"]["errors"] == {"integration_slug": ["not enabled"]}
    assert body["detail"] == "3 of 5 changes refused; nothing was written"
    dry = await problem(await client.post(F + "/import", headers=limited.headers, json=fixed,
                                          params={"dry_run": "true"}), 422, "BATCH_REFUSED")
    assert dry == body
    assert await event_count(app) == before
    assert other_tenant.connector_token not in json.dumps(await export(client, limited))


async def test_an_unknown_scope_is_refused_at_scope(client, tenant):
    body = await problem(await client.post(F + "/import", headers=tenant.headers, json=doc(
        category="ERP")), 422, "BATCH_REFUSED")
    assert body["errors"]["scope"]["code"] == "UNKNOWN_CATEGORY"


async def test_another_organizations_definitions_are_neither_exported_nor_pruned(
        client, tenant, other_tenant):
    await build_through_the_routes(client, tenant)
    assert (await export(client, other_tenant))["fields"] == []
    pruned = await import_(client, other_tenant, doc(), prune=True)
    assert pruned["delete"] == []
    assert len((await export(client, tenant))["fields"]) == 4


# --- properties --------------------------------------------------------------------------------

# (category, model, name, type): a name keeps its type, so no document asks for a change of
# type (whose refusal test_a_refused_change_... covers)
POOL = [("HRIS", "employee", "badge_code", "text"), ("HRIS", "employee", "shirt_size",
                                                      "multiselect"),
        ("HRIS", "employee", "salary", "number"), ("HRIS", "department", "cost_center", "text"),
        ("ATS", "candidate", "skills", "multiselect"), ("ATS", "job", "opened_on", "date"),
        ("CRM", "person", "Loyalty Tier", "multiselect"), ("CRM", "deal", "discount", "number"),
        ("HRIS", "employee", "remote_ok", "boolean")]
SCOPES = {"HRIS": ["bamboohr", "hibob", "personio", "workday", "CONNECTOR"],
          "ATS": ["greenhouse", "lever"], "CRM": ["hubspot", "salesforce"]}
VALUES = ["S", "s", "M", "L", "l", "XL"]
COLORS = st.sampled_from([None, "#FF0000", "#00AA00"])


@st.composite
def definition(draw, entry, connectors: bool) -> dict:
    category, model, name, type_ = entry
    options = []
    if type_ == "multiselect":
        for value in draw(st.lists(st.sampled_from(VALUES), max_size=4,
                                   unique_by=str.casefold)):
            options.append({"value": value, "color": draw(COLORS)})
    number_format = None
    if type_ == "number":
        number_format = draw(st.none() | st.builds(
            lambda f, d: {"format": f, "decimal": d},
            st.sampled_from(["number", "percent", "EUR", "JPY"]), st.integers(0, 3)))
    scopes = [s for s in SCOPES[category] if connectors or s != "CONNECTOR"]
    mappings = [{"integration_slug": None if s == "CONNECTOR" else s,
                 "connector_token": s if s == "CONNECTOR" else None,
                 "json_path": draw(st.sampled_from(["a", "data.x", "a.b || c"]))}
                for s in draw(st.lists(st.sampled_from(scopes), unique=True, max_size=3))]
    return {"category": category, "model": model, "name": name,
            "description": draw(st.sampled_from([None, "", "what it is"])), "type": type_,
            "options": options, "number_format": number_format, "mappings": mappings}


def documents(connectors: bool = False):
    return st.lists(st.sampled_from(POOL), unique=True, max_size=5).flatmap(
        lambda entries: st.tuples(*[definition(e, connectors) for e in entries])).map(
        lambda fields: doc(*fields))


@st.composite
def before_and_after(draw) -> tuple[dict, dict]:
    """Two documents, the second mostly of the first's fields (in another order, with
    other options, colours, formats, descriptions and mappings), or of any fields."""
    entries = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=5))
    if draw(st.integers(0, 3)):
        later = draw(st.permutations(entries))
        later = later[:draw(st.integers(max(0, len(later) - 1), len(later)))]
        later += draw(st.lists(st.sampled_from([e for e in POOL if e not in entries]),
                               unique=True, max_size=1))
    else:
        later = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=5))
    return (doc(*[draw(definition(e, True)) for e in entries]),
            doc(*[draw(definition(e, True)) for e in later]))


def canonical(document: dict, token: str = "") -> dict:
    """The document as an export shows it: sorted, the connector placeholder filled in."""
    fields = []
    for field in json.loads(json.dumps(document["fields"]).replace("CONNECTOR", token)):
        field["mappings"].sort(key=lambda m: (0, m["integration_slug"]) if m["integration_slug"]
                               else (1, m["connector_token"]))
        fields.append(field)
    fields.sort(key=lambda f: (f["category"], f["model"], f["name"].casefold(), f["name"]))
    return {"format_version": 1, "scope": {"category": None, "model": None}, "fields": fields}


EXAMPLES = {"sqlite": 40, "postgresql": 8}  # the same SQL; PostgreSQL's round trips cost more


def _examples(backend):
    return hypothesis_settings(max_examples=EXAMPLES[backend.name], deadline=None,
                               derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def test_export_import_into_an_empty_organization_export_is_the_identity_for_any_document(
        backend, settings):
    with served(settings) as world:
        client = world.client

        async def round_trip(document: dict) -> None:
            first, second = await world.tenant("first"), await world.tenant("second")
            await import_(client, first, document)
            exported = await export(client, first)
            assert exported == canonical(document)
            await import_(client, second, exported)
            assert await export(client, second) == exported
            again = await import_(client, second, exported)
            assert {k: again[k] for k in EMPTY_PLAN} == EMPTY_PLAN
            assert again["unchanged"] == sum(1 + len(f["options"]) + len(f["mappings"])
                                             for f in exported["fields"])

        @_examples(backend)
        @given(documents())
        def holds(document):
            world.run(round_trip(document))

        holds()


def test_an_import_with_prune_leaves_exactly_the_document_and_its_dry_run_says_how(
        backend, settings):
    with served(settings) as world:
        client = world.client

        async def converge(old: dict, new: dict) -> None:
            tenant = await world.tenant("converge")
            token = tenant.connector_token
            old, new = (json.loads(json.dumps(d).replace("CONNECTOR", token)) for d in (old, new))
            await import_(client, tenant, old)
            before = await event_count(world.app)
            planned = await import_(client, tenant, new, dry_run=True, prune=True)
            assert await event_count(world.app) == before
            applied = await import_(client, tenant, new, prune=True)
            assert applied == {**planned, "dry_run": False}
            for entry in (e for key in ("create", "update", "delete") for e in applied[key]):
                event(f"{entry['kind']} {'changes' in entry and ','.join(entry['changes'])}")
            assert await export(client, tenant) == canonical(new, token)

        @_examples(backend)
        @given(before_and_after())
        def holds(documents):
            world.run(converge(*documents))

        holds()


async def test_the_fixed_paths_are_not_taken_for_field_ids(client, tenant):
    """/custom-fields/export, /import and /mapping/bulk are routes of their own, not
    fields: another method there is a 405 naming what the path takes."""
    for method, path, allowed in (("GET", "/import", "POST"), ("POST", "/export", "GET"),
                                  ("GET", "/mapping/bulk", "POST")):
        response = await client.request(method, F + path, headers=tenant.headers)
        await problem(response, 405, "METHOD_NOT_ALLOWED")
        assert allowed in response.headers["Allow"], (method, path, response.headers["Allow"])
