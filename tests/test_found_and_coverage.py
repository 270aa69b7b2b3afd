"""Missing is not null, and coverage before you save (issue 16), through HTTP.

- Preview answers `found`: for a plain path (field names, quoted names, index steps,
  negative ones too) whether every step exists in the document, so an explicit null is
  found and a missing key or an index out of range is not; for any other expression
  whether the value is not null. Each entry of the values endpoint carries the same flag.
- `POST /api/v1/custom-fields/preview/coverage` measures an expression over the
  connector's most recent synced rows: found, non-null, value types, per-row failures,
  the field's type check, examples and the rows to look at; it refuses what preview and
  values refuse, with the same answers, and agrees with values row for row.
"""

import json
import re
import uuid
from typing import Any

import jmespath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.apis import declared_routes
from tests.answers import answer, problem

F = "/api/v1/custom-fields"
EMPLOYEE = {"category": "HRIS", "model": "employee"}
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def preview(client, tenant, json_path: str, **body):
    return client.post(f"{F}/preview", headers=tenant.headers,
                       json={**EMPLOYEE, "json_path": json_path, **body})


def coverage(client, tenant, json_path: str, token: str | None = None, **body):
    return client.post(f"{F}/preview/coverage", headers=tenant.headers, json={
        **EMPLOYEE, "connector_token": token or tenant.connector_token,
        "json_path": json_path, **body})


async def sync(client, tenant, rows: list[tuple[str, Any]], token: str | None = None) -> None:
    await answer(await client.post(
        f"/api/v1/connectors/{token or tenant.connector_token}/sync", headers=tenant.headers,
        json={**EMPLOYEE, "records": [{"remote_id": r, "data": d} for r, d in rows]}))


async def new_field(client, tenant, name: str, **body) -> str:
    return (await answer(await client.post(F, headers=tenant.headers, json={
        "name": name, **EMPLOYEE, **body}), 201))["id"]


async def new_connector(client, tenant) -> str:
    return (await answer(await client.post("/api/v1/connectors", headers=tenant.headers,
                                           json={"integration_slug": "workday"}), 201)
            )["connector_token"]


# --- found, on preview ---------------------------------------------------------------------------

PLAIN = [  # (expression, document, value, found)
    ("a", {"a": None}, None, True),                    # an explicit null is found
    ("b", {"a": None}, None, False),                   # a missing key is not
    ("a.b", {"a": None}, None, False),                 # nor a step through null
    ("a.b", {"a": "text"}, None, False),               # nor a name on a string
    ("a[0]", {"a": {"0": 1}}, None, False),            # nor an index on an object
    ("a.b", {"a": {"b": False}}, False, True),
    ("a[1]", {"a": [1]}, None, False),                 # an index out of range
    ("a[1]", {"a": [1, None]}, None, True),
    ("a[-1]", {"a": [1, None]}, None, True),           # negative indexes count from the end
    ("a[-2]", {"a": [7, 8]}, 7, True),
    ("a[-3]", {"a": [7, 8]}, None, False),
    ('"first-name"', {"first-name": None}, None, True),  # quoted names
    ('a."x y"[0].b', {"a": {"x y": [{"b": 0}]}}, 0, True),
    ("[0]", [None], None, True),                       # an index on the document itself
    ("[0][1]", [[1]], None, False),
]
OTHER = [  # any other expression: found is "not null"
    ("a || b", {"a": None, "b": None}, None, False),
    ("a || b", {"b": 2}, 2, True),
    ("a | @", {"a": None}, None, False),
    ("length(a)", {"a": []}, 0, True),
    ("a[*].b", {"a": [{}]}, [], True),
    ("a[?t=='m'].n | [0]", {"a": [{"t": "h", "n": 1}, {"t": "m", "n": None}]}, None, False),
    ("a[0:1]", {"a": [None]}, [], True),               # a projection drops nulls
    ("not_null(a, `null`)", {"a": None}, None, False),
]


@pytest.mark.parametrize(("expression", "document", "value", "found"), PLAIN + OTHER,
                         ids=[c[0] for c in PLAIN + OTHER])
async def test_preview_says_whether_the_value_was_found(client, tenant, expression, document,
                                                        value, found):
    body = await answer(await preview(client, tenant, expression, raw_data=document))
    assert (body["resolved_value"], body["found"]) == (value, found)
    assert body["resolved_value"] == jmespath.search(expression, document)


async def test_found_reads_a_synced_row_as_it_reads_an_inline_document(client, tenant):
    await sync(client, tenant, [("e1", {"manager": None, "tags": ["x"]})])
    for expression, found in (("data.employee.manager", True), ("data.employee.boss", False),
                              ("data.employee.tags[0]", True), ("data.employee.tags[1]", False),
                              ("data.employee.tags[-1]", True), ("data.other", False)):
        body = await answer(await preview(client, tenant, expression,
                                          connector_token=tenant.connector_token))
        assert (body["found"], body["raw_data_source"]) == (found, "connector_sync"), expression


keys = st.sampled_from(["a", "b", "c d", "é"])
trees = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.text("xy", max_size=2),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(keys, inner, max_size=3), max_leaves=8)
steps = st.lists(keys | st.integers(-4, 3), min_size=1, max_size=4)


def expression_of(path: list) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else ("." if text else "") + json.dumps(step)
    return text


def walk(document: Any, path: list) -> bool:
    """Whether every step of the path exists in the document, worked out here."""
    for step in path:
        if isinstance(step, str):
            if not isinstance(document, dict) or step not in document:
                return False
            document = document[step]
        else:
            if not isinstance(document, list) or not -len(document) <= step < len(document):
                return False
            document = document[step]
    return True


@PROPERTY
@given(document=st.dictionaries(keys, trees, max_size=3), path=steps)
async def test_a_plain_path_is_found_exactly_when_every_step_exists(client, tenant, document,
                                                                    path):
    expression = expression_of(path)
    body = await answer(await preview(client, tenant, expression, raw_data=document))
    assert body["found"] == walk(document, path), expression
    assert body["resolved_value"] == jmespath.search(expression, document), expression


# --- found, on values ----------------------------------------------------------------------------

async def test_each_value_says_whether_it_was_found(client, tenant):
    mapped = {"manager": ("text", "data.employee.manager"),
              "years": ("number", "data.employee.years"),
              "first_tag": ("text", "data.employee.tags[0]"),
              "either": ("text", "data.employee.manager || data.employee.boss"),
              "broken": ("number", "abs(data.employee.manager)")}
    for name, (type_, json_path) in mapped.items():
        field_id = await new_field(client, tenant, name, type=type_)
        await answer(await client.post(f"{F}/mapping", headers=tenant.headers, json={
            "custom_field_id": field_id, "integration_slug": "workday",
            "json_path": json_path}), 201)
    await new_field(client, tenant, "unmapped")
    await sync(client, tenant, [("a", {"manager": None, "years": "many", "tags": []}),
                                ("b", {"manager": "Ada", "years": 3, "tags": ["x"]}),
                                ("c", {})])
    body = await answer(await client.get(f"{F}/values", headers=tenant.headers, params={
        "connector_token": tenant.connector_token, **EMPLOYEE}))
    seen = {(r["remote_id"], f["name"]): (f["value"], f["found"], (f["error"] or {}).get("code"))
            for r in body["records"] for f in r["fields"]}
    failed = (None, False, "EXPRESSION_TYPE_ERROR")  # abs() of a string or null: nothing found
    assert seen == {
        # an explicit null is found; a value the type refuses was found all the same
        ("a", "manager"): (None, True, None), ("a", "years"): (None, True, "TYPE_MISMATCH"),
        ("a", "first_tag"): (None, False, None), ("a", "either"): (None, False, None),
        ("b", "manager"): ("Ada", True, None), ("b", "years"): (3, True, None),
        ("b", "first_tag"): ("x", True, None), ("b", "either"): ("Ada", True, None),
        ("c", "manager"): (None, False, None), ("c", "years"): (None, False, None),
        ("c", "first_tag"): (None, False, None), ("c", "either"): (None, False, None),
        **{(r, "broken"): failed for r in "abc"},
        **{(r, "unmapped"): (None, False, None) for r in "abc"},  # nothing to find
    }


# --- coverage ------------------------------------------------------------------------------------

YEARS = [("w-1", {"years": 3}), ("w-2", {"years": "7"}), ("w-3", {"years": "many"}),
         ("w-4", {}), ("w-5", {"years": None}), ("w-6", {"years": 12}),
         ("w-7", {"years": [1]})]


async def test_coverage_counts_the_most_recent_rows(client, tenant):
    years = await new_field(client, tenant, "years", type="number")
    await sync(client, tenant, YEARS)
    body = await answer(await coverage(client, tenant, "data.employee.years",
                                       custom_field_id=years))
    assert body == {
        "rows": 7, "found": 6, "non_null": 5,
        "types": {"array": 1, "number": 2, "null": 2, "string": 2}, "errors": {},
        "type_check": {"ok": 3, "failed": 2, "codes": {"TYPE_MISMATCH": 2}},
        # distinct non-null values and failing rows, the most recent row first
        "examples": [[1], 12, "many", "7", 3],
        "failing_remote_ids": ["w-7", "w-4", "w-3"]}
    # without a field there is no type check, and a missing value is what fails
    body = await answer(await coverage(client, tenant, "data.employee.years", sample=3))
    assert "type_check" not in body
    assert (body["rows"], body["found"], body["failing_remote_ids"]) == (3, 3, [])
    assert body["examples"] == [[1], 12]


async def test_coverage_reads_the_rows_synced_last(client, tenant):
    await sync(client, tenant, [(f"r-{i}", {"n": i}) for i in range(205)])
    body = await answer(await coverage(client, tenant, "data.employee.n"))
    assert body["rows"] == 200  # the default sample
    await sync(client, tenant, [("r-0", {"n": "again"})])  # re-synced: now the latest
    body = await answer(await coverage(client, tenant, "data.employee.n", sample=3))
    assert body["examples"] == ["again", 204, 203]
    body = await answer(await coverage(client, tenant, "data.employee.n", sample=1000))
    assert body["rows"] == 205


async def test_examples_are_distinct_and_at_most_five(client, tenant):
    synced = ["y", "z", 1, True, "a", {"j": 2, "k": 1}, "a", {"k": 1, "j": 2}]
    await sync(client, tenant, [(f"e-{i}", {"v": v}) for i, v in enumerate(synced)])
    body = await answer(await coverage(client, tenant, "data.employee.v"))
    # the most recent first; equal objects whatever their keys' order; true is not 1
    assert body["examples"] == [{"j": 2, "k": 1}, "a", True, 1, "z"]
    body = await answer(await coverage(client, tenant, "data.employee.v", sample=4))
    assert body["examples"] == [{"j": 2, "k": 1}, "a"]


async def test_a_row_the_expression_fails_on_is_counted_not_refused(client, tenant):
    await sync(client, tenant, [("ok", {"n": -2}), ("text", {"n": "x"}), ("none", {})])
    body = await answer(await coverage(client, tenant, "abs(data.employee.n)"))
    assert body["errors"] == {"EXPRESSION_TYPE_ERROR": 2}  # abs() of a string, of null
    assert (body["rows"], body["found"], body["types"]) == (3, 1, {"number": 1})
    assert body["failing_remote_ids"] == ["none", "text"]
    # preview, on the latest row alone, refuses it
    await problem(await preview(client, tenant, "abs(data.employee.n)",
                                connector_token=tenant.connector_token), 422,
                  "EXPRESSION_TYPE_ERROR")


async def test_a_multiselect_check_counts_unknown_options(client, tenant):
    skills = await new_field(client, tenant, "skills", type="multiselect",
                             options=[{"value": "Go"}, {"value": "SQL"}])
    await sync(client, tenant, [("a", {"s": ["go", "sql"]}), ("b", {"s": ["COBOL"]}),
                                ("c", {"s": 5}), ("d", {"s": []})])
    body = await answer(await coverage(client, tenant, "data.employee.s",
                                       custom_field_id=skills))
    assert body["type_check"] == {"ok": 2, "failed": 2,
                                  "codes": {"TYPE_MISMATCH": 1, "UNKNOWN_OPTION": 1}}
    assert body["failing_remote_ids"] == ["c", "b"]


async def test_a_connector_without_rows_has_nothing_to_count(client, tenant):
    field_id = await new_field(client, tenant, "empty")
    body = await answer(await coverage(client, tenant, "data.employee.x",
                                       custom_field_id=field_id))
    assert body == {"rows": 0, "found": 0, "non_null": 0, "types": {}, "errors": {},
                    "type_check": {"ok": 0, "failed": 0, "codes": {}}, "examples": [],
                    "failing_remote_ids": []}


@pytest.mark.parametrize("sample", [0, 1001, -1, "10", 1.5, True, None])
async def test_a_sample_outside_1_to_1000_rows_is_422(client, tenant, sample):
    body = await problem(await coverage(client, tenant, "a", sample=sample), 422,
                         "VALIDATION_ERROR")
    assert list(body["errors"]) == ["sample"]
    if sample in (0, 1001, -1):
        assert "at most 1000" in body["errors"]["sample"][0]


@pytest.mark.parametrize("json_path", ["data.[employee", "nope(data)", "length(a, b)",
                                       "x" * 1025, "data.a[?", "a ||"])
async def test_an_invalid_expression_is_answered_exactly_as_preview_answers_it(
        client, tenant, json_path):
    refused = await coverage(client, tenant, json_path)
    previewed = await preview(client, tenant, json_path, connector_token=tenant.connector_token)
    assert refused.status == previewed.status == 422
    assert await refused.json() == await previewed.json()


async def test_refusals_are_those_of_preview_and_values(client, tenant, other_tenant):
    theirs = await new_field(client, other_tenant, "theirs")
    crm = (await answer(await client.post(F, headers=tenant.headers, json={
        "name": "crm_one", "category": "CRM", "model": "person"}), 201))["id"]
    cases = [  # (body changes, status, code)
        ({"connector_token": "cft_unknown"}, 404, "CONNECTOR_NOT_FOUND"),
        ({"connector_token": other_tenant.connector_token}, 404, "CONNECTOR_NOT_FOUND"),
        ({"category": "ATS", "model": "candidate"}, 422, "INTEGRATION_CATEGORY_MISMATCH"),
        ({"model": "nope"}, 422, "UNKNOWN_MODEL"),
        ({"category": "NOPE"}, 422, "UNKNOWN_CATEGORY"),
    ]
    for changes, status, code in cases:
        body = {"connector_token": tenant.connector_token, **EMPLOYEE, **changes}
        refused = await problem(await client.post(f"{F}/preview/coverage",
                                                  headers=tenant.headers,
                                                  json={**body, "json_path": "a"}),
                                status, code)
        listed = await problem(await client.get(f"{F}/values", headers=tenant.headers,
                                                params=body), status, code)
        assert refused == listed, changes
    await problem(await coverage(client, tenant, "a", custom_field_id=theirs), 404, "NOT_FOUND")
    await problem(await coverage(client, tenant, "a", custom_field_id=crm), 422,
                  "VALIDATION_ERROR")
    previewed = await problem(await preview(client, tenant, "a", custom_field_id=theirs,
                                            connector_token=tenant.connector_token),
                              404, "NOT_FOUND")
    assert previewed == await (await coverage(client, tenant, "a",
                                              custom_field_id=theirs)).json()
    missing = await problem(await client.post(f"{F}/preview/coverage", headers=tenant.headers,
                                              json=EMPLOYEE), 422, "VALIDATION_ERROR")
    assert {"connector_token", "json_path"} <= missing["errors"].keys()


def test_the_coverage_route_comes_before_every_pattern_that_would_take_it():
    routes = declared_routes()
    path = F + "/preview/coverage"
    ours = routes.index(("POST", path))
    for at, (method, other) in enumerate(routes):
        pattern = re.sub(r"{\w+}", "[^/]+", other)
        if method == "POST" and other != path and re.fullmatch(pattern, path):
            assert at > ours, other


rows = st.lists(st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["4", "x", ""]),
                          st.just({}), st.just([1]), st.just("missing")), max_size=8)


@PROPERTY
@given(row_values=rows)
async def test_coverage_agrees_with_the_values_of_the_same_rows(client, tenant, row_values):
    """Each example on a connector and a field of its own (the fixtures are shared)."""
    token = await new_connector(client, tenant)
    name = f"years_{uuid.uuid4().hex}"
    years = await new_field(client, tenant, name, type="number")
    await answer(await client.post(f"{F}/mapping", headers=tenant.headers, json={
        "custom_field_id": years, "connector_token": token,
        "json_path": "data.employee.years"}), 201)
    await sync(client, tenant, [(f"r{i}", {} if v == "missing" else {"years": v})
                                for i, v in enumerate(row_values)], token)
    body = await answer(await coverage(client, tenant, "data.employee.years", token,
                                       custom_field_id=years))
    listed = await answer(await client.get(f"{F}/values", headers=tenant.headers, params={
        "connector_token": token, **EMPLOYEE, "custom_field_id": years, "limit": "200"}))
    entries = [f for r in listed["records"] for f in r["fields"]]
    assert body["rows"] == len(entries) == len(row_values)
    assert body["found"] == sum(e["found"] for e in entries)
    assert body["type_check"]["ok"] == sum(e["value"] is not None for e in entries)
    assert body["type_check"]["failed"] == sum(e["error"] is not None for e in entries)
    assert body["non_null"] == body["type_check"]["ok"] + body["type_check"]["failed"]
    assert sum(body["types"].values()) == body["rows"]
