"""The dashboard's page timings: server time per page and per preview, beside the same
requests' API counterparts as the baseline.

    python -m bench.dashboard [--requests N] [--fields F] [--records R] [--keep]

A fresh database in a temporary directory, bootstrapped with the CLI (bench/harness.py:
organization, key, workday and hubspot enabled, one workday connector); the service
pinned to the server CPU (`taskset`), this process on the other. Through the API it
seeds one model (HRIS/employee) with F fields of every type, mappings of both scopes
(a few fields unmapped, a few that fail their type), a few changes for the history,
and R synced rows; then it signs in over HTTP as a browser does (GET /dashboard/login
for the session cookie and CSRF token, POST the key) and times N sequential requests
of each page on one keep-alive connection, then N of its API counterpart.

The figure is the server's own time per request: the `ms` of the service's JSON access
line (the root middleware's clock, from the request's arrival to the response built),
matched by the X-Request-Id of each answer; the round trip seen by this process is
given beside it. Printed on stdout as a markdown table (docs/DASHBOARD.md quotes it).
Not part of `make bench` (bench/run.py measures loads against fixed baselines; this
measures single requests, sequentially).
"""

import argparse
import http.client
import itertools
import json
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench import harness
from bench.harness import Api

CATEGORY, MODEL = "HRIS", "employee"
TYPES = ("text", "number", "multiselect", "boolean", "date")
REQUEST_IDS = itertools.count(1)


def say(text: str) -> None:
    print(f"[bench.dashboard {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Client:
    """A keep-alive HTTP/1.1 client answering raw text (nothing parsed, so the round
    trips of pages and API calls compare); it keeps the dashboard's session cookie, as a
    browser would (one cookie, no redirects followed)."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.api = Api(base_url)
        self.headers = headers or {}
        self.cookie: str | None = None

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None,
                content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str]:
        """(status, body)."""
        sent = {**self.headers, **(headers or {})}
        if self.cookie:
            sent["Cookie"] = self.cookie
        if body is not None:
            sent["Content-Type"] = content_type
        conn = self._connection()
        conn.request(method, path, body=body.encode() if body is not None else None,
                     headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("cf_dashboard="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text

    def _connection(self) -> http.client.HTTPConnection:
        if self.api._conn is None:
            self.api._conn = http.client.HTTPConnection(self.api.host, self.api.port,
                                                        timeout=self.api.timeout)
        return self.api._conn

    def sign_in(self, key: str) -> None:
        status, page = self.request("GET", "/dashboard/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or token is None or self.cookie is None:
            raise RuntimeError(f"GET /dashboard/login answered {status} without a form")
        status, _ = self.request("POST", "/dashboard/login",
                                    urlencode({"api_key": key, "csrf_token": token.group(1)}))
        if status != 303:
            raise RuntimeError(f"signing in answered {status}")
        status, page = self.request("GET", "/dashboard/")
        if status != 200 or "Sign out" not in page:
            raise RuntimeError(f"the overview answered {status} after signing in")


@dataclass
class Seeded:
    field_id: str        # the field whose pages are timed (mapped for both scopes, changed)
    connector_id: str
    json_path: str       # its effective mapping, previewed
    fields: int
    records: int


def seed(api: Api, token: str, fields: int, records: int) -> Seeded:
    """F fields of every type, mappings of both scopes, history, R synced rows."""
    ids: list[tuple[str, str]] = []
    for i in range(fields):
        kind = TYPES[i % len(TYPES)]
        body: dict[str, Any] = {"name": f"bench_{kind}_{i}", "category": CATEGORY,
                                "model": MODEL, "type": kind,
                                "description": f"Bench field {i} ({kind})"}
        if kind == "multiselect":
            body["options"] = [{"value": v, "color": c} for v, c in
                               (("S", "#1E7A3A"), ("M", "#2754C5"), ("L", "#B3261E"))]
        ids.append((api.ok("POST", "/api/v1/custom-fields", body)["id"], kind))
    for i, (field_id, kind) in enumerate(ids):
        if i % 6 == 5:
            continue  # unmapped
        # every 7th number field reads a name: a TYPE_MISMATCH on every row
        path = "data.employee.first_name" if kind == "number" and i % 7 == 1 else \
            f"data.employee.f{i}"
        api.ok("POST", "/api/v1/custom-fields/mapping",
               {"custom_field_id": field_id, "integration_slug": "workday", "json_path": path})
        if i % 4 == 0:
            api.ok("POST", "/api/v1/custom-fields/mapping",
                   {"custom_field_id": field_id, "connector_token": token,
                    "json_path": f"data.employee.f{i} || data.employee.first_name"})
    target = ids[0][0]  # text, mapped for the integration and overridden for the connector
    for n in range(3):
        api.ok("PATCH", f"/api/v1/custom-fields/{target}",
               {"description": f"Bench field 0, change {n + 1}"})

    def value(i: int, kind: str, row: int) -> Any:
        return {"text": f"text {row}-{i}", "number": row * 10 + i, "boolean": row % 2 == 0,
                "date": f"2026-{1 + row % 12:02d}-{1 + i % 28:02d}",
                "multiselect": ["S", "M", "L"][row % 3]}[kind]

    rows = [{"remote_id": f"emp_{row:05d}",
             "data": {"id": f"emp_{row:05d}", "first_name": f"Person {row}",
                      **{f"f{i}": value(i, kind, row) for i, (_, kind) in enumerate(ids)}}}
            for row in range(records)]
    for start in range(0, len(rows), 500):
        api.ok("POST", f"/api/v1/connectors/{token}/sync",
               {"category": CATEGORY, "model": MODEL, "records": rows[start:start + 500]})
    connector = api.ok("GET", f"/api/v1/connectors/{token}")
    return Seeded(target, connector["id"],
                  "data.employee.f0 || data.employee.first_name", fields, records)


@dataclass
class Timed:
    """One kind of request: its round trips (s) and request ids (server times later)."""

    label: str
    request: str
    client: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    status: int | None = None
    size: int = 0


def time_requests(label: str, shown: str, call, n: int, warmup: int) -> Timed:
    """`call(request_id)` answers (status, body); each request carries its own id, so its
    access line can be found."""
    timed = Timed(label, shown)
    for i in range(warmup + n):
        request_id = f"bench-dashboard-{next(REQUEST_IDS)}"
        began = time.perf_counter()
        status, body = call(request_id)
        elapsed = time.perf_counter() - began
        if not 200 <= status < 300:
            timed.status = status
            say(f"  {shown} answered {status}: {body[:200]!r}")
            return timed
        timed.status, timed.size = status, len(body)
        if i >= warmup:
            timed.client.append(elapsed)
            timed.ids.append(request_id)
    return timed


def server_times(log_path: Path) -> dict[str, float]:
    """request id -> ms, from the service's JSON access lines."""
    times = {}
    for line in log_path.read_text("utf-8", "replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "request_id" in entry and "ms" in entry:
            times[entry["request_id"]] = float(entry["ms"])
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(timed: Timed, times: dict[str, float]) -> dict[str, float] | None:
    server = [times[i] for i in timed.ids if i in times]
    if not server:
        return None
    return {"median": statistics.median(server), "p95": percentile(server, 0.95),
            "trip": statistics.median(timed.client) * 1000, "n": len(server)}


def cell(stats: dict[str, float] | None, timed: Timed | None) -> str:
    if timed is None:
        return "-"
    if stats is None:
        return f"answered {timed.status}" if timed.status else "-"
    return f"{stats['median']:.2f} / {stats['p95']:.2f} ({stats['trip']:.2f})"


def render(rows: list[tuple[Timed, Timed | None]], times: dict[str, float],
           args: argparse.Namespace, seeded: Seeded) -> str:
    out = [
        "| Page | Dashboard request | Dashboard ms: median / p95 (round trip) "
        "| API counterpart | API ms: median / p95 (round trip) | Dashboard / API |",
        "|---|---|---|---|---|---|",
    ]
    for page, api in rows:
        ours, base = summary(page, times), summary(api, times) if api else None
        ratio = f"{ours['median'] / base['median']:.1f}x" if ours and base else "-"
        out.append(f"| {page.label} | `{page.request}` | {cell(ours, page)} | "
                   f"{'`' + api.request + '`' if api else '-'} | {cell(base, api)} | {ratio} |")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cpus = (f"service on CPU {harness.SERVER_CPU}, this process on CPU {harness.LOAD_CPU}"
            if harness.PINNED_APART else f"one CPU ({harness.SERVER_CPU}) for both")
    out += ["", f"{args.requests} sequential requests of each (after {args.warmup} warm-up "
            f"requests), one keep-alive connection; {seeded.fields} fields on {CATEGORY}/"
            f"{MODEL} ({seeded.records} synced rows; the values page and API show 50 a page); "
            f"{cpus}; Python {platform.python_version()}, nproc {os.cpu_count()}, load "
            f"average {os.getloadavg()[0]:.2f}; {when}."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200,
                        help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed requests before them (default 10)")
    parser.add_argument("--fields", type=int, default=40, help="fields on the model (default 40)")
    parser.add_argument("--records", type=int, default=200,
                        help="synced rows (default 200)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    harness.pin_self_to_load_cpu()
    with harness.service_on_scratch("bench-dashboard-", args.keep, say) as (_, tenant,
                                                                              service):
        say(f"service ready on {service.url}")
        api = Api(service.url, headers=tenant.auth)
        seeded = seed(api, tenant.connector_token, args.fields, args.records)
        say(f"seeded {args.fields} fields, {args.records} rows")
        browser = Client(service.url)
        browser.sign_in(tenant.key)
        raw_api = Client(service.url, headers=tenant.auth)

        def page(path: str):
            return lambda rid: browser.request("GET", path, headers={"X-Request-Id": rid})

        def fragment(path: str):
            return lambda rid: browser.request("GET", path, headers={"X-Request-Id": rid,
                                                                     "HX-Request": "true"})

        def call(method: str, path: str, body: Any = None):
            text = None if body is None else json.dumps(body)
            return lambda rid: raw_api.request(method, path, text, {"X-Request-Id": rid},
                                               content_type="application/json")

        fid, token = seeded.field_id, tenant.connector_token
        scope = f"connector_token={token}&category={CATEGORY}&model={MODEL}"
        source = f"connector:{seeded.connector_id}"
        preview = (f"/dashboard/fields/{fid}/map/preview?source={quote(source)}"
                   f"&json_path={quote(seeded.json_path)}")
        preview_body = {"category": CATEGORY, "model": MODEL, "connector_token": token,
                        "json_path": seeded.json_path, "custom_field_id": fid}
        plan = [
            ("Overview", "/dashboard/", page("/dashboard/"), None),
            ("Fields list", f"/dashboard/fields?category={CATEGORY}&model={MODEL}",
             page(f"/dashboard/fields?category={CATEGORY}&model={MODEL}"),
             ("GET", f"/api/v1/custom-fields?category={CATEGORY}&model={MODEL}", None,
              "GET /api/v1/custom-fields?category=&model=")),
            ("Field page", "/dashboard/fields/{id}", page(f"/dashboard/fields/{fid}"),
             ("GET", f"/api/v1/custom-fields/{fid}", None, "GET /api/v1/custom-fields/{id}")),
            ("Field history", "/dashboard/fields/{id}/history",
             page(f"/dashboard/fields/{fid}/history"),
             ("GET", f"/api/v1/custom-fields/{fid}/history", None,
              "GET /api/v1/custom-fields/{id}/history")),
            ("Mapping editor", "/dashboard/fields/{id}/map", page(f"/dashboard/fields/{fid}/map"),
             ("GET", f"/api/v1/custom-fields/raw-data?{scope}", None,
              "GET /api/v1/custom-fields/raw-data?connector_token=&category=&model=")),
            ("Preview (htmx fragment)", "/dashboard/fields/{id}/map/preview?source=&json_path=",
             fragment(preview), ("POST", "/api/v1/custom-fields/preview", preview_body,
                                 "POST /api/v1/custom-fields/preview")),
            ("Configuration", "/dashboard/configuration?connector_token=&category=&model=",
             page(f"/dashboard/configuration?{scope}"),
             ("GET", f"/api/v1/custom-fields/configuration?{scope}", None,
              "GET /api/v1/custom-fields/configuration?connector_token=&category=&model=")),
            ("Values (50 rows)", "/dashboard/values?connector_token=&category=&model=",
             page(f"/dashboard/values?{scope}"),
             ("GET", f"/api/v1/custom-fields/values?{scope}", None,
              "GET /api/v1/custom-fields/values?connector_token=&category=&model=")),
        ]
        rows: list[tuple[Timed, Timed | None]] = []
        for label, shown, dashboard_call, counterpart in plan:
            say(f"timing {label}")
            ours = time_requests(label, shown, dashboard_call, args.requests, args.warmup)
            base = None
            if counterpart is not None:
                method, path, body, api_shown = counterpart
                base = time_requests(label, api_shown, call(method, path, body),
                                     args.requests, args.warmup)
            rows.append((ours, base))
        for client in (api, browser.api, raw_api.api):
            client.close()
        log_path = service.log_path
        service.stop()  # flushes the access lines
        print(render(rows, server_times(log_path), args, seeded))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
