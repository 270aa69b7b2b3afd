"""The preview endpoint evaluates JMESPath exactly as the jmespath library does.

Each expression below is sent to POST /api/v1/custom-fields/preview with an inline
`raw_data` document and compared with `jmespath.search` called directly: the same value
and the `resolved_value_type` of that value. Each test covers one part of the language
and reports every mismatch of its part at once.

Then every case of the official compliance suite (tests/jmespath-compliance, copied from
jmespath.test, see its SOURCE.txt; JMESPATH_COMPLIANCE_DIR names another copy) runs
through the preview endpoint: a "result" case must answer 200 with that resolved value,
an "error" case a 4xx, never a 500; a benchmark case, which carries no expected result,
must answer what the jmespath library answers. A case refused by one of the service's
own bounds (expression length, JSON depth, string length, body size) is counted as
refused, not failed.
"""

import copy
import json
import os
from pathlib import Path
from typing import Any

import jmespath
import pytest

DOC: dict[str, Any] = {
    "employee": {
        "id": "emp_123", "first_name": "Ada", "last_name": "Lovelace", "age": 36,
        "active": True, "manager": None, "salary": "120000.50",
        "tags": ["math", "poetry", "engines"],
        "address": {"city": "London", "zip": "W1", "geo": {"lat": 51.5, "lng": -0.12}},
    },
    "phones": [
        {"type": "mobile", "number": "+1-555-123-4567", "primary": True},
        {"type": "home", "number": "+1-555-000-0000", "primary": False},
        {"type": "work", "number": "+1-555-999-9999", "primary": False},
    ],
    "reports": [
        {"name": "Bob", "age": 29, "skills": ["go", "sql"], "level": {"rank": 2}},
        {"name": "Cy", "age": 41, "skills": ["rust"], "level": {"rank": 5}},
        {"name": "Di", "age": 35, "skills": [], "level": None},
    ],
    "matrix": [[1, 2], [3, [4, 5]], [6]],
    "scores": [7, 3, 9, 1],
    "custom": {"shirt size": "M", "year-joined": "2019", "ünïcode": "yes",
               "nested": {"a": {"b": {"c": "deep"}}, "x": {"b": {"c": "other"}}}},
    "empty_object": {},
    "empty_list": [],
}

FIELD_ACCESS = [
    "employee.first_name",
    "employee.address.geo.lat",
    "employee.missing.deeper",
    "employee.manager",
    "custom.\"shirt size\"",
    "custom.\"year-joined\"",
    "custom.\"ünïcode\"",
    "\"employee\".\"id\"",
    "@.employee.age",
    "employee",
]
INDEXES_AND_SLICES = [
    "phones[0].number",
    "phones[-1].type",
    "phones[5]",
    "scores[1:3]",
    "scores[::-1]",
    "scores[::2]",
    "scores[-2:]",
    "scores[:-1]",
    "reports[0:2].name",
    "matrix[1]",
    "reports[1].skills[0]",
    "employee.tags[-1]",
]
CHAINED_INDEXES = [
    "matrix[0][1]",
    "matrix[1][1][0]",
    "matrix[-1][0]",
]
PROJECTIONS_AND_WILDCARDS = [
    "phones[*].number",
    "reports[*].level.rank",
    "reports[*].skills[0]",
    "custom.nested.*.b.c",
    "employee.address.*",
    "*.city",
    "phones[*].*",
    "empty_object.*",
    "empty_list[*].x",
    "employee.first_name[*]",
]
FLATTEN = [
    "matrix[]",
    "matrix[][]",
    "reports[*].skills[]",
    "reports[].skills[]",
    "employee.tags[]",
]
FILTERS = [
    "phones[?primary].number",
    "phones[?type == 'home'].number",
    "phones[?type != 'home'].type",
    "reports[?age > `30`].name",
    "reports[?age >= `35` && age < `41`].name",
    "reports[?age < `30` || name == 'Cy'].name",
    "reports[?!contains(skills, 'rust')].name",
    "reports[?level.rank > `1`].name",
    "reports[?length(skills) > `0`].name",
    "employee.tags[?@ != 'math']",
    "phones[?primary == `true`].type",
    "reports[?level == null].name",
]
PIPES = [
    "phones[?type == 'home'].number | [0]",
    "phones | [0] | number",
    "reports[*].name | length(@)",
    "reports | [?age > `30`] | [*].name",
    "scores | sort(@) | [-1]",
    "reports[*].age | max(@)",
]
MULTISELECT = [
    "[employee.first_name, employee.last_name, employee.age]",
    "{name: employee.first_name, city: employee.address.city}",
    "reports[*].{n: name, first_skill: skills[0]}",
    "reports[*].[name, age]",
    "{phones: length(phones), primary: phones[?primary] | [0].type}",
    "employee.[first_name, missing]",
]
LITERALS_AND_LOGIC = [
    "`\"literal\"`",
    "`[1, 2, 3]`",
    "`{\"a\": {\"b\": [true, null]}}`",
    "'raw string'",
    "employee.age > `30`",
    "employee.manager || 'none'",
    "employee.active && employee.first_name",
    "!employee.active",
    "employee.missing == null",
    "`1.5` < `2`",
]
STRING_FUNCTIONS = [
    "join(', ', employee.tags)",
    "contains(employee.tags, 'poetry')",
    "contains(employee.first_name, 'd')",
    "starts_with(employee.first_name, 'A')",
    "ends_with(phones[0].number, '4567')",
    "length(employee.first_name)",
    "to_string(employee.age)",
    "to_string(employee.address.geo)",
    "to_number(employee.salary)",
    "to_number('not a number')",
    "type(employee.active)",
    "reverse(employee.first_name)",
]
NUMBER_AND_ARRAY_FUNCTIONS = [
    "sum(scores)",
    "avg(scores)",
    "max(scores)",
    "min(scores)",
    "sort(scores)",
    "abs(employee.address.geo.lng)",
    "ceil(employee.address.geo.lat)",
    "floor(employee.address.geo.lng)",
    "length(reports)",
    "length(employee.address)",
    "reverse(employee.tags)",
    "keys(employee.address)",
    "values(custom.nested.a.b)",
    "to_array(employee.first_name)",
    "not_null(employee.manager, employee.missing, employee.first_name)",
    "merge(employee.address, `{\"country\": \"UK\"}`)",
    "map(&name, reports)",
    "map(&level.rank, reports)",
]
SORTING = [
    "sort_by(reports, &age)[*].name",
    "sort_by(reports, &name)[-1].skills",
    "max_by(reports, &age).name",
    "min_by(reports, &age).name",
    "sort(reports[*].name)",
    "max(reports[*].name)",
]
NESTED = [
    "sort_by(reports[?age > `30`], &name)[-1].skills[0]",
    "join('-', sort(reports[*].name))",
    "length(custom.nested.*)",
    "starts_with(to_string(employee.age), '3')",
    "reports[?contains(map(&to_string(@), skills), 'go')].name | [0]",
    "{top: max_by(reports, &age).name, total: sum(reports[*].age), "
    "names: join(',', reports[*].name)}",
    "phones[?starts_with(number, '+1')] | length(@)",
    "reverse(sort_by(reports, &age))[0].level.rank",
    "matrix[1][-1][?@ > `4`]",
    "employee.tags[?length(@) > `4`] | [0:1]",
]


def json_type(value: Any) -> str:
    """The preview's resolved_value_type of a value, worked out here independently."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def same(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, 1 == 1.0, objects and arrays deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


async def preview(client, tenant, expression: str, document: Any):
    return await client.post("/api/v1/custom-fields/preview", headers=tenant.headers, json={
        "category": "HRIS", "model": "employee", "json_path": expression,
        "raw_data": document})


async def mismatches(client, tenant, expressions: list[str],
                     document: Any = DOC) -> list[str]:
    """Each expression through the endpoint vs jmespath.search; the differences."""
    found = []
    for expression in expressions:
        expected = jmespath.search(expression, copy.deepcopy(document))
        response = await preview(client, tenant, expression, document)
        body = await response.json()
        if response.status != 200:
            found.append(f"{expression!r}: HTTP {response.status} {body}")
            continue
        if not same(body["resolved_value"], expected):
            found.append(f"{expression!r}: {body['resolved_value']!r} != {expected!r}")
        if body["resolved_value_type"] != json_type(expected):
            found.append(f"{expression!r}: type {body['resolved_value_type']} != "
                         f"{json_type(expected)}")
        if body["json_path"] != expression or body["raw_data_source"] != "inline":
            found.append(f"{expression!r}: echoed {body['json_path']!r}, "
                         f"{body['raw_data_source']!r}")
    return found


def test_there_are_at_least_40_distinct_expressions():
    every = (FIELD_ACCESS + INDEXES_AND_SLICES + CHAINED_INDEXES + PROJECTIONS_AND_WILDCARDS
             + FLATTEN + FILTERS + PIPES + MULTISELECT + LITERALS_AND_LOGIC + STRING_FUNCTIONS
             + NUMBER_AND_ARRAY_FUNCTIONS + SORTING + NESTED)
    assert len(set(every)) == len(every) >= 40


async def test_field_access_resolves_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, FIELD_ACCESS) == []


async def test_indexes_and_slices_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, INDEXES_AND_SLICES) == []


async def test_chained_indexes_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, CHAINED_INDEXES) == []


async def test_projections_and_wildcards_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, PROJECTIONS_AND_WILDCARDS) == []


async def test_flatten_resolves_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, FLATTEN) == []


async def test_filters_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, FILTERS) == []


async def test_pipes_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, PIPES) == []


async def test_multiselect_lists_and_hashes_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, MULTISELECT) == []


async def test_literals_and_boolean_logic_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, LITERALS_AND_LOGIC) == []


async def test_string_functions_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, STRING_FUNCTIONS) == []


async def test_number_and_array_functions_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, NUMBER_AND_ARRAY_FUNCTIONS) == []


async def test_sorting_and_by_functions_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, SORTING) == []


async def test_nested_combinations_resolve_as_jmespath_does(client, tenant):
    assert await mismatches(client, tenant, NESTED) == []


async def test_documents_that_are_not_objects_resolve_as_jmespath_does(client, tenant):
    for document, expressions in (([{"a": 1}, {"a": 2}], ["[*].a", "[0]", "length(@)"]),
                                  ("text", ["@", "length(@)", "a"]),
                                  (42, ["@", "abs(@)"]), (False, ["@", "!@"])):
        assert await mismatches(client, tenant, expressions, document) == [], document


async def test_every_resolved_value_type_is_reported(client, tenant):
    kinds = {}
    for expression in ("employee.first_name", "employee.age", "employee.active",
                       "employee.address", "employee.tags", "employee.manager"):
        body = await (await preview(client, tenant, expression, DOC)).json()
        kinds[body["resolved_value_type"]] = expression
    assert kinds.keys() == {"string", "number", "boolean", "object", "array", "null"}


async def test_a_synced_row_resolves_as_jmespath_does_on_it(client, tenant):
    response = await client.post(f"/api/v1/connectors/{tenant.connector_token}/sync",
                                 headers=tenant.headers,
                                 json={"category": "HRIS", "model": "employee",
                                       "records": [{"remote_id": "emp_123", "data": DOC}]})
    assert response.status == 200, await response.text()
    # the synced row is the document's data.employee: the expression runs on it there
    for expression in FILTERS[:4] + SORTING[:3] + NESTED[:3]:
        body = await (await client.post("/api/v1/custom-fields/preview", headers=tenant.headers,
                                         json={"category": "HRIS", "model": "employee",
                                               "json_path": f"data.employee | {expression}",
                                               "connector_token": tenant.connector_token})
                      ).json()
        expected = jmespath.search(expression, copy.deepcopy(DOC))
        assert body["raw_data_source"] == "connector_sync"
        assert same(body["resolved_value"], expected), expression
        assert body["resolved_value_type"] == json_type(expected), expression


# --- the compliance suite, when present ---------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPLIANCE_DIRS = list(dict.fromkeys(
    [Path(p) for p in (os.environ.get("JMESPATH_COMPLIANCE_DIR"),) if p]
    + [REPO_ROOT / "tests" / "jmespath-compliance"]))
# Refusals that come from the service's own bounds, not from the expression's meaning.
BOUND_CODES = {"EXPRESSION_TOO_LONG", "JSON_TOO_DEEP", "STRING_TOO_LONG", "PAYLOAD_TOO_LARGE"}


def compliance_files() -> list:
    for directory in COMPLIANCE_DIRS:
        if directory.is_dir():
            files = sorted(directory.glob("*.json"))
            if files:
                return [pytest.param(f, id=f.stem) for f in files]
    searched = ", ".join(str(d) for d in COMPLIANCE_DIRS)
    return [pytest.param(None, id="absent", marks=pytest.mark.skip(
        reason=f"no JMESPath compliance directory with JSON files (looked in {searched})"))]


async def run_compliance_case(client, tenant, given: Any, case: dict) -> str | None:
    """None when the case holds, else what went wrong."""
    expression = case["expression"]
    response = await preview(client, tenant, expression, given)
    text = await response.text()
    try:
        body = json.loads(text)
    except ValueError:
        return f"{expression!r}: HTTP {response.status}, not JSON: {text[:200]}"
    if response.status >= 500:
        return f"{expression!r}: HTTP {response.status} {body.get('code')}"
    if "result" not in case and "error" not in case:  # a benchmark: the library decides
        try:
            case = {**case, "result": jmespath.search(expression, copy.deepcopy(given))}
        except jmespath.exceptions.JMESPathError as exc:
            case = {**case, "error": type(exc).__name__}
    if "error" in case:
        if not 400 <= response.status < 500:
            return (f"{expression!r}: expected a 4xx ({case['error']}), got "
                    f"{response.status} {body.get('resolved_value')!r}")
        return None
    if response.status != 200:
        if body.get("code") in BOUND_CODES:
            return None
        return f"{expression!r}: expected {case['result']!r}, got {response.status} {body}"
    if not same(body["resolved_value"], case["result"]):
        return f"{expression!r}: expected {case['result']!r}, got {body['resolved_value']!r}"
    if body["resolved_value_type"] != json_type(case["result"]):
        return f"{expression!r}: type {body['resolved_value_type']}"
    return None


@pytest.mark.parametrize("path", compliance_files())
async def test_the_compliance_suite_holds_through_the_preview(client, tenant, path):
    groups = json.loads(path.read_text(encoding="utf-8"))
    failures, checked = [], 0
    for group in groups:
        for case in group["cases"]:
            checked += 1
            problem = await run_compliance_case(client, tenant, group["given"], case)
            if problem:
                failures.append(problem)
    assert checked, f"{path.name} has no cases"
    assert not failures, (f"{len(failures)} of {checked} cases of {path.name} fail:\n"
                          + "\n".join(failures))
