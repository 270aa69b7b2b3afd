"""The workloads: what each one sends, to which baseline, and the target it is held to.

Every workload returns `Row`s: ours, the baseline measured right before it in the same
run, their ratio, and the target. Ratios read the same way everywhere: ours ÷ baseline
for rates and memory, baseline ÷ ours for durations, so for speed more is better. With
`--rounds N` each load comparison (and the values timing) alternates baseline and ours N
times and keeps the round with the median ratio, which damps a noisy neighbour.

Names for `--only`: create_field, add_option, create_mapping, configuration, list_fields,
preview, access_log, sync, values, rebuild, verify, memory.
"""

import importlib.util
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench import data
from bench.harness import REPO, SERVER_CPU, Api, Server, Tenant, cli, free_port, service_server
from bench.load import Load, LoadGenerator, LoadResult

JSON_CT = {"Content-Type": "application/json"}
POOL_PER_SECOND = 2000   # mapping pool: fields seeded per second of --duration
CHUNK = 1000             # records per sync call
LIST_SWEEP_SECONDS = 60  # memory: at most this long paging through the fields
SWEEP_ORGS = 10          # memory: page through the fields of this many organizations


@dataclass
class Row:
    workload: str
    ours: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None            # None: not judged
    status: str = "measured"    # or "not available", "error"
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    gen: LoadGenerator
    workdir: Path
    duration: float
    connections: int
    records: int
    events: int
    quick: bool
    rounds: int
    run_id: str
    tenant: Tenant
    service: Server
    json_base: Server
    sqlite_base: Server
    pool: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def api(self) -> Api:
        return Api(self.service.url, self.tenant.auth)

    def load(self, server: Server, load: Load) -> LoadResult:
        return self.gen.run(server.url, load, self.duration, self.connections)

    def warm(self, server: Server, load: Load) -> None:
        self.gen.run(server.url, load, min(1.0, self.duration), self.connections)

    def compare(self, base: Server, ours: Server, make_load: Callable[[int], Load], *,
                warm: bool) -> tuple[LoadResult, LoadResult, list[float]]:
        """(ours, baseline, every round's ratio): the round with the median ratio.

        `make_load(round)` gives each round its own load, so that writes of unique names
        or of a slice of a pool do not repeat across rounds."""
        pairs = []
        for round_ in range(self.rounds):
            load = make_load(round_)
            if warm:
                self.warm(base, load)
            base_result = self.load(base, load)
            if warm:
                self.warm(ours, load)
            pairs.append((self.load(ours, load), base_result))
        ratios = [o.rps / b.rps if b.rps else 0.0 for o, b in pairs]
        order = sorted(range(len(pairs)), key=ratios.__getitem__)
        ours_result, base_result = pairs[order[len(order) // 2]]
        return ours_result, base_result, ratios


# --- formatting ---------------------------------------------------------------------------

def _rate(result: LoadResult) -> str:
    text = f"{result.rps:,.0f} req/s"
    if result.p50_ms is not None and result.p99_ms is not None:
        text += f" (p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms)"
    return text


def _check(result: LoadResult, who: str) -> list[str]:
    if result.clean:
        return []
    return [f"{who}: {result.non_2xx} non-2xx answers and {result.errors} socket errors "
            f"out of {result.requests} requests"]


def _rounds(ratios: list[float]) -> list[str]:
    if len(ratios) < 2:
        return []
    return [f"median of {len(ratios)} rounds; the ratios were "
            + ", ".join(f"{r:.2f}x" for r in ratios)]


def _rate_row(name: str, compared: tuple[LoadResult, LoadResult, list[float]],
              base_name: str, target: float | None, notes: list[str] | None = None) -> Row:
    ours, base, ratios = compared
    ratio = ours.rps / base.rps if base.rps else None
    notes = [*(notes or []), *_rounds(ratios), *_check(ours, "ours"),
             *_check(base, f"baseline {base_name}")]
    met = None
    if target is not None and ratio is not None:
        met = ratio >= target and ours.clean
    return Row(name, _rate(ours), f"{_rate(base)} {base_name}", ratio,
               f">= {target}x {base_name}" if target is not None else "none stated",
               met, notes=notes)


def not_available(name: str, why: str, target: str) -> Row:
    return Row(name, "not available", "-", None, target, None, "not available", [why])


# --- setup shared by several workloads ------------------------------------------------------

# the smaller configuration: a model no other workload adds fields to, through a
# connector of its own (CRM: HubSpot, which bench.harness.bootstrap enables)
SMALL = ("CRM", "deal", "hubspot")


def setup_value_fields(ctx: Context) -> None:
    """The 50 fields of HRIS/employee, each mapped (40 by integration, 10 by connector),
    20 of them again on CRM/deal through a HubSpot connector (the smaller configuration,
    mapped the same way), plus 60 fields on CRM/company so a page of 100 fields is
    full."""
    if ctx.state.get("value_fields"):
        return
    api = ctx.api()
    small_token = api.ok("POST", "/api/v1/connectors",
                         {"integration_slug": SMALL[2]})["connector_token"]
    scopes = ((data.CATEGORY, data.MODEL, "workday", ctx.tenant.connector_token,
               data.VALUE_FIELDS), (*SMALL, small_token, data.VALUE_FIELDS[:20]))
    ids: list[str] = []
    for category, model, integration, token, fields in scopes:
        for i, (name, type_, options, json_path) in enumerate(fields):
            field_id = api.ok("POST", "/api/v1/custom-fields", {
                **data.field_body(name, type_, options), "category": category,
                "model": model})["id"]
            scope = ({"connector_token": token} if i % 5 == 4
                     else {"integration_slug": integration})
            api.ok("POST", "/api/v1/custom-fields/mapping",
                   {"custom_field_id": field_id,
                    "json_path": data.document_path(json_path, model), **scope})
            if model == data.MODEL:
                ids.append(field_id)
    ctx.state["small_connector_token"] = small_token
    for i in range(60):
        api.ok("POST", "/api/v1/custom-fields",
               {"name": f"company_field_{i}", "category": "CRM", "model": "company",
                "description": "a filler field for the list workload"})
    api.close()
    ctx.state["value_fields"] = ids


def do_sync(ctx: Context) -> tuple[float, int]:
    """Sync ctx.records rows in chunks of 1000, once per run: (seconds, calls)."""
    if "sync" not in ctx.state:
        setup_value_fields(ctx)
        bodies = [data.sync_body(start, min(CHUNK, ctx.records - start))
                  for start in range(0, ctx.records, CHUNK)]
        ctx.state["sync_bodies"] = bodies
        api = ctx.api()
        path = f"/api/v1/connectors/{ctx.tenant.connector_token}/sync"
        started = time.perf_counter()
        for body in bodies:
            api.ok("POST", path, body)
        ctx.state["sync"] = (time.perf_counter() - started, len(bodies))
        api.close()
    return ctx.state["sync"]


# --- write path -----------------------------------------------------------------------------

def create_field(ctx: Context) -> list[Row]:
    def make_load(round_: int) -> Load:
        return Load("POST", "/api/v1/custom-fields", {**ctx.tenant.auth, **JSON_CT},
                    body=json.dumps({"name": "@NAME@", "category": "ATS", "model": "candidate",
                                     "type": "text", "description": "created by the bench"}),
                    unique="@NAME@", prefix=f"f{ctx.run_id}r{round_}")
    compared = ctx.compare(ctx.sqlite_base, ctx.service, make_load, warm=False)
    return [_rate_row(f"create field (POST /api/v1/custom-fields, {ctx.connections} conns)",
                      compared, "(b)", 1.5,
                      ["unique snake_case names from bench/lua/unique.lua, on ATS/candidate"])]


def add_option(ctx: Context) -> list[Row]:
    name = "add option (POST /custom-fields/{id}/options, persons API)"
    api = ctx.api()
    field_id = api.ok("POST", "/api/v1/custom-fields",
                      {"name": f"tags_{ctx.run_id}", "category": "CRM", "model": "person",
                       "type": "multiselect"})["id"]
    headers = {**ctx.tenant.auth, **JSON_CT, "organizationSlug": ctx.tenant.org_slug}
    path = f"/custom-fields/{field_id}/options"
    status, answer = api.request("POST", path, {"value": f"probe_{ctx.run_id}"}, headers)
    api.close()
    if status == 404:
        detail = answer.get("detail") if isinstance(answer, dict) else answer
        return [not_available(name, f"POST /custom-fields/{{id}}/options answered 404 "
                              f"({detail}): the persons API is not served yet",
                              "none stated")]
    if not 200 <= status < 300:
        return [not_available(name, f"the probe option answered {status}: {answer}",
                              "none stated")]
    def make_load(round_: int) -> Load:
        return Load("POST", path, headers, body=json.dumps({"value": "@VALUE@"}),
                    unique="@VALUE@", prefix=f"o{ctx.run_id}r{round_}")
    compared = ctx.compare(ctx.sqlite_base, ctx.service, make_load, warm=False)
    api = ctx.api()
    count = len(api.ok("GET", f"/custom-fields/{field_id}", headers=headers)
                .get("options", []))
    api.close()
    return [_rate_row(name, compared, "(b)", 1.5,
                      [f"all options go to one multiselect field (CRM/person, created with "
                       f"the v1 API); it holds {count:,} options at the end"])]


def seed_pool(db: str, tenant: Tenant, count: int, run_id: str) -> list[str]:
    """Before the service starts: fields on HRIS/department for the mapping workload."""
    from bench.seed import seed_fields
    return seed_fields(db, tenant.org_slug, "HRIS", "department", count, f"pool_{run_id}")


def create_mapping(ctx: Context) -> list[Row]:
    name = f"create mapping (POST /api/v1/custom-fields/mapping, {ctx.connections} conns)"
    if not ctx.pool:
        return [not_available(name, "no field pool was seeded", "none stated")]
    paths = ["code", "manager.descriptor", "customObjects.organizationDetails.costCenterCode",
             "superiorOrganization.descriptor"]
    share = len(ctx.pool) // ctx.rounds

    def make_load(round_: int) -> Load:
        lines_file = ctx.workdir / f"mappings-{round_}.lines"
        with open(lines_file, "w", encoding="utf-8") as out:
            for i, field_id in enumerate(ctx.pool[round_ * share:(round_ + 1) * share]):
                scope = ({"integration_slug": "workday"} if i % 2 == 0
                         else {"connector_token": ctx.tenant.connector_token})
                body = {"custom_field_id": field_id, "json_path": paths[i % len(paths)],
                        **scope}
                out.write(f"/api/v1/custom-fields/mapping\t{json.dumps(body)}\n")
        return Load("POST", "/api/v1/custom-fields/mapping", {**ctx.tenant.auth, **JSON_CT},
                    cycle_file=str(lines_file))

    compared = ctx.compare(ctx.sqlite_base, ctx.service, make_load, warm=False)
    notes = [f"each request maps a distinct field of a pool of {share:,} per round "
             "(HRIS/department, seeded before the service started), alternately to the "
             "workday integration and to the connector (bench/lua/cycle.lua)"]
    if compared[0].requests > share:
        notes.append(f"the pool ran out ({compared[0].requests:,} requests): repeats "
                     "answer 409")
    return [_rate_row(name, compared, "(b)", 1.5, notes)]


# --- read path ------------------------------------------------------------------------------

def _read_row(ctx: Context, name: str, load: Load, target: float) -> Row:
    compared = ctx.compare(ctx.json_base, ctx.service, lambda _round: load, warm=True)
    return _rate_row(name, compared, "(a)", target)


def configuration_load(ctx: Context, small: bool = False) -> Load:
    token, category, model = ((ctx.state["small_connector_token"], *SMALL[:2]) if small
                              else (ctx.tenant.connector_token, data.CATEGORY, data.MODEL))
    return Load("GET", f"/api/v1/custom-fields/configuration?connector_token="
                f"{token}&category={category}&model={model}", ctx.tenant.auth)


def configuration(ctx: Context) -> list[Row]:
    setup_value_fields(ctx)
    return [_read_row(ctx, "GET configuration (50 mapped fields)", configuration_load(ctx),
                      0.8)]


def configuration_20(ctx: Context) -> list[Row]:
    setup_value_fields(ctx)
    return [_read_row(ctx, f"GET configuration (20 mapped fields, {'/'.join(SMALL[:2])})",
                      configuration_load(ctx, small=True), 0.8)]


def list_fields(ctx: Context) -> list[Row]:
    setup_value_fields(ctx)
    load = Load("GET", "/api/v1/custom-fields?limit=100", ctx.tenant.auth)
    return [_read_row(ctx, "list 100 fields (GET /api/v1/custom-fields?limit=100)", load, 0.7)]


def preview(ctx: Context) -> list[Row]:
    sample = json.loads((REPO / "service/catalogue/samples/workday/employee.json")
                        .read_text("utf-8"))
    load = Load("POST", "/api/v1/custom-fields/preview", {**ctx.tenant.auth, **JSON_CT},
                body=data.preview_body(sample))
    row = _read_row(ctx, "preview inline (POST /api/v1/custom-fields/preview)", load, 0.6)
    row.notes.insert(0, f"`{data.PREVIEW_EXPRESSION}` against the Workday worker sample "
                     "sent as raw_data")
    return [row]


def access_log(ctx: Context) -> list[Row]:
    """The same service with its access logger at WARNING against the default (INFO)."""
    setup_value_fields(ctx)
    load = configuration_load(ctx)
    quiet = service_server("service-quiet", ctx.tenant.db, free_port(),
                           ctx.workdir / "service-quiet.log", log_level="WARNING").start()
    try:
        silent, default, ratios = ctx.compare(ctx.service, quiet, lambda _round: load,
                                              warm=True)
    finally:
        quiet.stop()
    lines = len(quiet.log_path.read_text("utf-8", "replace").splitlines())
    ratio = silent.rps / default.rps if default.rps else None
    notes = [f"there is no log-level setting yet: bench/serve.py sets the "
             f"`custom_fields.access` logger to WARNING ({lines} log lines written by that "
             f"server); the ratio is the speed-up from dropping one JSON line per request "
             f"to stderr (redirected to a file)",
             *_rounds(ratios), *_check(silent, "ours, quiet"), *_check(default, "ours")]
    return [Row("access log off (GET configuration, access logger at WARNING)", _rate(silent),
                f"{_rate(default)} (ours, access log on)", ratio, "none stated", None,
                notes=notes)]


# --- data path ------------------------------------------------------------------------------

def sync(ctx: Context) -> list[Row]:
    seconds, calls = do_sync(ctx)
    api = Api(ctx.sqlite_base.url)
    started = time.perf_counter()
    for body in ctx.state["sync_bodies"]:
        api.ok("POST", "/sync", body)
    base = time.perf_counter() - started
    api.close()
    return [Row(f"sync ingest of {ctx.records:,} rows ({calls} calls of {CHUNK})",
                f"{seconds:.2f} s ({ctx.records / seconds:,.0f} rows/s)",
                f"{base:.2f} s (b): the same bodies, one row each", base / seconds,
                ">= 20,000 rows/s", ctx.records / seconds >= 20_000,
                notes=[f"records are trimmed Workday workers of about 1 KB; a full worker "
                       f"sample (1.5 KB) x {CHUNK} exceeds the 1 MiB body limit"])]


def _reference(kind: str, *args: str) -> dict[str, float]:
    done = subprocess.run(["taskset", "-c", SERVER_CPU, sys.executable, "-m",
                           "bench.baselines", kind, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"bench.baselines {kind} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def _values_path(ctx: Context) -> str:
    return (f"/api/v1/custom-fields/values?connector_token={ctx.tenant.connector_token}"
            f"&category={data.CATEGORY}&model={data.MODEL}")


def _await_stored(ctx: Context, timeout: float = 600) -> float:
    """Seconds until the last synced row's values are stored (the background pass goes
    in remote id order, so the last row is the last one stored), from now."""
    api = ctx.api()
    last = f"{_values_path(ctx)}&limit=1&remote_id=emp-{ctx.records - 1:06d}"
    started = time.perf_counter()
    while api.ok("GET", last)["recomputing"]:
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"values not stored {timeout:g} s after the sync")
        time.sleep(0.05)
    api.close()
    return time.perf_counter() - started


def _page_values(ctx: Context) -> tuple[float, float, int, int, int, int]:
    """Page through every record's values: (seconds from each request sent to its last
    byte read, seconds the client spent parsing the pages, pages, records, per-field
    errors, pages that named fields being recomputed)."""
    api = ctx.api()
    path = _values_path(ctx) + "&limit=200"
    api.ok("GET", path)  # warm: connection, compiled expressions
    seen, pages, errors, recomputing, cursor = 0, 0, 0, 0, None
    seconds = parsing = 0.0
    while True:
        started = time.perf_counter()
        status, raw = api.request_bytes("GET", path + (f"&cursor={cursor}" if cursor else ""))
        read = time.perf_counter()
        page = orjson.loads(raw)
        seconds, parsing = seconds + read - started, parsing + time.perf_counter() - read
        if status != 200:
            raise RuntimeError(f"values page answered {status}: {raw[:500]!r}")
        pages += 1
        seen += len(page["records"])
        errors += sum(len(r["errors"]) for r in page["records"])
        recomputing += bool(page["recomputing"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    api.close()
    return seconds, parsing, pages, seen, errors, recomputing


def values(ctx: Context) -> list[Row]:
    do_sync(ctx)
    if "values_stored" not in ctx.state:
        ctx.state["values_stored"] = _await_stored(ctx)
    rounds = []
    for _ in range(ctx.rounds):
        reference = _reference("values", "--records", str(ctx.records))["seconds"]
        rounds.append((_page_values(ctx), reference))
    ratios = [ref / paged[0] for paged, ref in rounds]
    order = sorted(range(len(rounds)), key=ratios.__getitem__)
    (seconds, parsing, pages, seen, errors, recomputing), reference = rounds[
        order[len(order) // 2]]
    target_s = 0.5 * ctx.records / 10_000
    notes = [f"{pages} pages of 200 on one keep-alive connection; {seen:,} records, "
             f"{errors:,} per-field errors reported (by design one of the 50 mappings, a "
             f"number field mapped to the job title, is a TYPE_MISMATCH on every row)",
             f"the values are stored by the background pass after the sync: the last row's "
             f"were stored {ctx.state['values_stored']:.1f} s after the sync workload ended; "
             f"{recomputing} of the timed pages named fields being recomputed",
             f"timed from each request sent to the last byte of its answer read; the "
             f"client's parsing of the pages (orjson, about 1.9 MB a page) is not counted: "
             f"{parsing:.2f} s more",
             "baseline: the naive in-process cost of the same work, json.loads of each "
             "stored record and the 50 mappings evaluated with the jmespath library's "
             "compiled expressions, in one process on the server CPU, no HTTP (the service "
             "can beat it with shortcuts of its own)", *_rounds(ratios)]
    if seen != ctx.records:
        notes.append(f"expected {ctx.records:,} records, saw {seen:,}")
    if ctx.records != 10_000:
        notes.append(f"target scaled to {ctx.records:,} records: {target_s:.2f} s")
    return [Row(f"values: {ctx.records:,} records x 50 fields (all pages, limit=200)",
                f"{seconds:.2f} s", f"{reference:.2f} s (plain jmespath, in process)",
                reference / seconds, f"< {target_s:g} s", seconds < target_s, notes=notes)]


# --- the generated log: rebuild and memory ---------------------------------------------------

def events_db(ctx: Context) -> tuple[str | None, str]:
    """(path, note): a database of ctx.events events from bench.generate_events."""
    if "events_db" in ctx.state:
        return ctx.state["events_db"]
    if importlib.util.find_spec("bench.generate_events") is None:  # someone else's module
        ctx.state["events_db"] = (None, "bench/generate_events.py does not exist yet")
        return ctx.state["events_db"]
    path = str(ctx.workdir / "events.sqlite")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.generate_events", "--db", path,
                           "--events", str(ctx.events)], capture_output=True, text=True,
                          cwd=REPO, timeout=7200)
    if done.returncode != 0:
        ctx.state["events_db"] = (None, "bench.generate_events failed: "
                                  + (done.stderr.strip().splitlines() or ["?"])[-1])
    else:
        ctx.state["events_db"] = (path, f"generated by bench.generate_events in "
                                  f"{time.perf_counter() - started:.0f} s")
    return ctx.state["events_db"]


def _counts(path: str) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        events = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        fields = conn.execute("SELECT COUNT(*) FROM fields").fetchone()[0]
        top = conn.execute("SELECT o.slug, COUNT(*) FROM fields f JOIN organizations o"
                           " ON o.id = f.org_id GROUP BY o.slug ORDER BY 2 DESC, 1 LIMIT ?",
                           (SWEEP_ORGS,)).fetchall()
        orgs = conn.execute("SELECT COUNT(*) FROM organizations").fetchone()[0]
    finally:
        conn.close()
    return {"events": events, "fields": fields, "orgs": orgs, "top_orgs": top}


def rebuild(ctx: Context) -> list[Row]:
    name = f"`custom-fields rebuild` of {ctx.events:,} events"
    path, note = events_db(ctx)
    if path is None:
        return [not_available(name, note, ">= 150,000 events/s")]
    counts = _counts(path)
    started = time.perf_counter()
    result = cli(path, "rebuild", timeout=7200)
    seconds = time.perf_counter() - started
    rate = result["events"] / seconds
    ctx.state["rebuild"] = rate
    reference = _reference("scan", "--db", path)
    base_rate = reference["count"] / reference["seconds"]
    notes = [note, f"{counts['events']:,} events, {counts['fields']:,} fields in "
             f"{counts['orgs']:,} organizations; wall time of the CLI process on the server "
             f"CPU ({seconds:.1f} s, interpreter start included); checksum matched: "
             f"{result.get('matched')}",
             "baseline: reading every log row and parsing its data and metadata JSON"]
    return [Row(name, f"{rate:,.0f} events/s", f"{base_rate:,.0f} events/s (log scan)",
                rate / base_rate, ">= 0.5x (scan)",
                rate / base_rate >= 0.5 and bool(result.get("matched")), notes=notes)]


def verify(ctx: Context) -> list[Row]:
    name = f"`custom-fields verify` of {ctx.events:,} events (chain and projections)"
    path, note = events_db(ctx)
    if path is None:
        return [not_available(name, note, ">= 0.4x (scan+hash)")]
    started = time.perf_counter()
    result = cli(path, "verify", timeout=7200)
    seconds = time.perf_counter() - started
    rate = result["events"] / seconds
    reference = _reference("scan_hash", "--db", path)
    base_rate = reference["count"] / reference["seconds"]
    notes = [f"wall time of the CLI process on the server CPU ({seconds:.1f} s, interpreter "
             f"start included); ok: {result.get('ok')}",
             "baseline: reading every log row, parsing its data and metadata JSON and "
             "hashing the bytes its hash covers with sha256, in one process"]
    return [Row(name, f"{rate:,.0f} events/s", f"{base_rate:,.0f} events/s (scan+hash)",
                rate / base_rate, ">= 0.4x (scan+hash)",
                rate / base_rate >= 0.4 and bool(result.get("ok")), notes=notes)]


def _sweep(server: Server, key: str, deadline: float) -> tuple[int, int]:
    """Page through an organization's fields, 200 at a time: (pages, fields)."""
    api = Api(server.url, {"Authorization": f"Bearer {key}"})
    pages, seen, cursor = 0, 0, None
    while time.perf_counter() < deadline:
        page = api.ok("GET", "/api/v1/custom-fields?limit=200"
                      + (f"&cursor={cursor}" if cursor else ""))
        pages += 1
        seen += len(page["custom_fields"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    api.close()
    return pages, seen


def memory(ctx: Context) -> list[Row]:
    name = f"server RSS with the generated log ({ctx.events:,} events)"
    path, note = events_db(ctx)
    if path is None:
        return [not_available(name, note, "< 200 MB")]
    counts = _counts(path)
    if not counts["top_orgs"]:
        return [not_available(name, "the generated log has no organization with fields",
                              "< 200 MB")]
    keys = [cli(path, "key", "create", "--org", slug)["key"] for slug, _ in counts["top_orgs"]]
    server = service_server("service-memory", path, free_port(),
                            ctx.workdir / "service-memory.log").start(ready_timeout=600)
    try:
        at_start = server.memory_kb()
        pages = seen = 0
        deadline = time.perf_counter() + LIST_SWEEP_SECONDS
        for key in keys:
            more_pages, more_fields = _sweep(server, key, deadline)
            pages, seen = pages + more_pages, seen + more_fields
        ours = server.memory_kb()
    finally:
        server.stop()
    base = ctx.json_base.memory_kb()
    rss_mb, base_mb = ours["VmRSS"] / 1024, base["VmRSS"] / 1024
    notes = [note] if "rebuild" not in ctx.state else []
    notes += [f"{counts['fields']:,} fields and {counts['events']:,} events in the database; "
              f"the server was ready after {server.ready_after:.1f} s at "
              f"{at_start['VmRSS'] / 1024:.0f} MB, then paged through {seen:,} fields of the "
              f"{len(keys)} organizations with the most fields ({pages} pages of 200) before "
              f"VmRSS was read (peak VmHWM {ours['VmHWM'] / 1024:.0f} MB)",
              "baseline: VmRSS of baseline (a) after its loads"]
    if counts["fields"] < 100_000 and not ctx.quick:
        notes.append(f"the generated log has {counts['fields']:,} fields, not 100,000")
    return [Row(name, f"{rss_mb:.0f} MB", f"{base_mb:.0f} MB (a)", rss_mb / base_mb,
                "< 200 MB", rss_mb < 200, notes=notes)]


WORKLOADS: dict[str, Callable[[Context], list[Row]]] = {
    "configuration_20": configuration_20,
    "configuration": configuration,
    "list_fields": list_fields,
    "preview": preview,
    "access_log": access_log,
    "create_field": create_field,
    "add_option": add_option,
    "create_mapping": create_mapping,
    "sync": sync,
    "values": values,
    "rebuild": rebuild,
    "verify": verify,
    "memory": memory,
}
