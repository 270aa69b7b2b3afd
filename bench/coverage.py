"""The coverage endpoint's cost over 1000 synced rows, beside baselines of the same run.

    python -m bench.coverage [--runs N] [--preview-runs P] [--keep]

A fresh SQLite database in a temporary directory, bootstrapped with the CLI
(bench/harness.py); the service on a free port, pinned to the server CPU, this process
on the other. It syncs 1000 realistic Workday rows (bench/data.py `sync_body`), makes
one field per case with an integration mapping, then times, per case, sequentially on
one keep-alive connection:

- `POST /api/v1/custom-fields/preview/coverage` with sample=1000 and the field's id;
- the floor: `GET /api/v1/custom-fields/values` of the same field over the same 1000
  rows (5 pages of 200, the largest page; one run is the 5 requests): it reads the same
  rows through the read model, evaluates the same expression and checks the same type,
  so coverage should cost about as much, not less. Each run writes its query string's
  parameters in another order, so no page is served from the kept answers of repeated
  GETs (service/answers.py): every run does the work;
- for the first case, what a client would do without coverage: a preview of each of the
  1000 rows (`remote_id`), one request each (one run is the 1000 requests): a ceiling
  made of per-request overhead, not a floor;
- the counting alone, in this process (`service.coverage.tally` on the rows' stored
  text): no HTTP, no database.

Figures: the round trip seen here and the server's own time (the `ms` of the service's
access line, found by X-Request-Id), median and p95 over the runs, printed on stdout.
"""

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import data, harness
from bench.harness import Api

ROWS, PAGE = 1000, 200
CASES = [  # (label, field type, json_path)
    ("plain path, number field", "number",
     "data.employee.customObjects.workerPreferences.yearsOfIndustryExperience"),
    ("filter and pipe, text field", "text",
     "data.employee.phoneNumbers[?primary].formattedPhone | [0]"),
]
REQUEST_IDS = itertools.count(1)


def say(text: str) -> None:
    print(f"[bench.coverage {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Runs:
    """Timed runs of one measurement: per run the round trip (s) and the request ids."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.trips: list[float] = []
        self.ids: list[list[str]] = []

    def time(self, run, count: int, warmup: int) -> "Runs":
        for i in range(warmup + count):
            ids: list[str] = []
            began = time.perf_counter()
            run(ids)
            elapsed = time.perf_counter() - began
            if i >= warmup:
                self.trips.append(elapsed)
                self.ids.append(ids)
        return self

    def row(self, server: dict[str, float] | None) -> str:
        trip = [t * 1000 for t in self.trips]
        cells = f"{statistics.median(trip):.1f} / {percentile(trip, 0.95):.1f}"
        if server is None:
            return f"| {self.label} | {len(trip)} | {cells} | - |"
        own = [sum(server[i] for i in ids) for ids in self.ids if all(i in server for i in ids)]
        mine = f"{statistics.median(own):.1f} / {percentile(own, 0.95):.1f}" if own else "-"
        return f"| {self.label} | {len(trip)} | {cells} | {mine} |"


def call(api: Api, ids: list[str], method: str, path: str, body: Any = None) -> Any:
    request_id = f"bench-coverage-{next(REQUEST_IDS)}"
    ids.append(request_id)
    return api.ok(method, path, body, headers={"X-Request-Id": request_id})


def server_times(log_path: Path) -> dict[str, float]:
    """request id -> ms, from the service's JSON access lines."""
    times = {}
    for line in log_path.read_text("utf-8", "replace").splitlines():
        try:
            entry = json.loads(line) if line.startswith("{") else {}
        except ValueError:
            continue
        if "request_id" in entry and "ms" in entry:
            times[entry["request_id"]] = float(entry["ms"])
    return times


def setup_case(api: Api, token: str, n: int, type_: str, json_path: str) -> str:
    field_id = api.ok("POST", "/api/v1/custom-fields", {
        "name": f"coverage_case_{n}", "category": data.CATEGORY, "model": data.MODEL,
        "type": type_})["id"]
    api.ok("POST", "/api/v1/custom-fields/mapping", {
        "custom_field_id": field_id, "integration_slug": "workday", "json_path": json_path})
    return field_id


def measure_case(api: Api, token: str, field_id: str, json_path: str, args,
                 with_previews: bool) -> list[Runs]:
    scope = {"connector_token": token, "category": data.CATEGORY, "model": data.MODEL}
    body = {**scope, "json_path": json_path, "custom_field_id": field_id, "sample": ROWS}
    counted = api.ok("POST", "/api/v1/custom-fields/preview/coverage", body)
    assert counted["rows"] == ROWS, counted
    say(f"  coverage: found {counted['found']}, non-null {counted['non_null']}, "
        f"type check {counted['type_check']}")

    def coverage_run(ids: list[str]) -> None:
        call(api, ids, "POST", "/api/v1/custom-fields/preview/coverage", body)

    orders = itertools.permutations(["connector_token", "category", "model", "custom_field_id",
                                     "limit", "cursor"])

    def values_run(ids: list[str]) -> None:
        cursor, read = None, 0
        order = next(orders)  # a query of its own per run: never a kept answer (see above)
        while True:
            given = {**scope, "custom_field_id": field_id, "limit": PAGE, "cursor": cursor}
            query = [(k, given[k]) for k in order if given[k] is not None]
            page = call(api, ids, "GET", f"/api/v1/custom-fields/values?{urlencode(query)}")
            read += len(page["records"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert read == ROWS, read

    def previews_run(ids: list[str]) -> None:
        for i in range(ROWS):
            call(api, ids, "POST", "/api/v1/custom-fields/preview", {
                **scope, "json_path": json_path, "custom_field_id": field_id,
                "remote_id": f"emp-{i:06d}"})

    runs = [Runs("coverage, sample=1000 (1 request)").time(coverage_run, args.runs, 2),
            Runs("values of the same rows (5 pages of 200)").time(values_run, args.runs, 2)]
    if with_previews:
        runs.append(Runs("preview of each row (1000 requests)").time(
            previews_run, args.preview_runs, 0))
    return runs


def tally_runs(json_path: str, type_: str, runs: int) -> Runs:
    """The counting alone, in this process, on the rows' stored text."""
    from service.coverage import tally
    from service.fieldtypes import field_type
    from service.jmes import ExpressionCache

    records = [{"remote_id": f"emp-{i:06d}", "data": json.dumps(data.record(i))}
               for i in range(ROWS)]
    compiled = ExpressionCache().compile(json_path)
    check = field_type(type_).checker([])
    return Runs("the counting alone, in this process").time(
        lambda ids: tally(compiled, data.MODEL, records, check), runs, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30,
                        help="timed runs of coverage and of values (default 30)")
    parser.add_argument("--preview-runs", type=int, default=3,
                        help="timed runs of the 1000 previews (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    harness.pin_self_to_load_cpu()
    with harness.service_on_scratch("bench-coverage-", args.keep, say) as (_, tenant,
                                                                             service):
        api = Api(service.url, headers=tenant.auth)
        api.ok("POST", f"/api/v1/connectors/{tenant.connector_token}/sync",
               data.sync_body(0, ROWS))
        say(f"service ready on {service.url}; {ROWS} rows synced")
        results = []
        for n, (label, type_, json_path) in enumerate(CASES):
            say(f"timing {label}: {json_path}")
            field_id = setup_case(api, tenant.connector_token, n, type_, json_path)
            runs = measure_case(api, tenant.connector_token, field_id, json_path, args, n == 0)
            results.append((label, json_path, runs, tally_runs(json_path, type_, args.runs)))
        api.close()
        log_path = service.log_path
        service.stop()  # flushes the access lines
        print(render(results, server_times(log_path), args))
    return 0


def render(results, server: dict[str, float], args) -> str:
    out = []
    for label, json_path, runs, alone in results:
        out += [f"### {label}: `{json_path}`", "",
                "| Measurement | runs | round trip ms: median / p95 | server ms: median / p95 |",
                "|---|---|---|---|"]
        out += [r.row(server) for r in runs] + [alone.row(None), ""]
    cpus = (f"service on CPU {harness.SERVER_CPU}, this process on CPU {harness.LOAD_CPU}"
            if harness.PINNED_APART else f"one CPU ({harness.SERVER_CPU}) for both")
    out.append(f"{ROWS} synced Workday rows (about 1 KB each), SQLite; {args.runs} runs after "
               f"2 warm-up runs; {cpus}; Python {platform.python_version()}, nproc "
               f"{os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; "
               f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
