"""The service on PostgreSQL, measured beside its baselines in one run, as ratios.

    python -m bench.postgres [--duration S] [--connections N] [--rounds N]
                             [--tool auto|wrk|python] [--only W[,W...]] [--docs] [--keep]

Method. A temporary PostgreSQL server (tests.pgcluster.TemporaryCluster: Debian's
binaries, a cluster in a temporary directory, 127.0.0.1 on a free port) is started with
durability back on: the tests turn fsync, synchronous_commit and full_page_writes off,
this bench turns them on again (later `-c` options win), preloads pg_stat_statements
(to count the statements behind each request) and pins the server to the
server CPU with `taskset`, beside the service, so that the server side has one core
whether the database runs in the process (SQLite) or beside it (PostgreSQL). The
service's schema and the baseline's are fresh schemas of that server.

On that CPU run: the service on PostgreSQL (`python -m service --db URL serve`,
bootstrapped with the CLI and `--db URL`), the service on SQLite (a fresh file, as
`make bench` runs it), baseline (a) (aiohttp answering fixed bytes), baseline (b) (one
INSERT + COMMIT per POST on SQLite) and baseline (b-pg) (one INSERT + COMMIT per POST
through one psycopg 3 connection into the same PostgreSQL server; bench/baselines.py).
The load generator (bench/load.py: wrk and the Lua scripts of bench/lua/) and this
process run on the other CPU.

The workloads are bench/workloads.py's own functions, called once with a context whose
service is the PostgreSQL one and once with the SQLite one, so both get exactly the
loads `make bench` sends; the load generator is wrapped to keep each load's raw result:
- writes (create field, add option, create mapping): the service on PostgreSQL against
  (b-pg) measured right before it, then the service on SQLite against (b);
- reads (GET configuration, list 100 fields): each service against (a) measured right
  before it (both after a 1 s warm-up), and PostgreSQL against SQLite directly.
For each load the bench also reads the CPU time the server process and the PostgreSQL
server's processes spent (/proc), and for each load on PostgreSQL, from the server: the
COMMIT records in the WAL the load wrote (pg_walinspect), which gives the requests per
transaction of the service's group commit, the statements it ran (pg_stat_statements)
and the WAL's size. `--rounds N` repeats each workload N times and keeps, for each
backend, the round with the median ratio (as `bench.run --rounds` does). It prints a
markdown table (requests/s, p99, ratios); `--docs` also writes it as the "## PostgreSQL"
section of docs/PERFORMANCE.md (replacing that section, or inserting it before
"## Machine"); `make bench` runs it so after `bench.run`.
"""

import argparse
import inspect
import os
import re
import secrets
import shutil
import string
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench import harness
from bench.harness import REPO, SERVER_CPU, Server, Tenant, bootstrap, free_port, service_server
from bench.load import Load, LoadGenerator, LoadResult
from bench.run import cpu_model, say
from bench.workloads import (
    POOL_PER_SECOND,
    Context,
    Row,
    add_option,
    configuration,
    configuration_20,
    create_field,
    create_mapping,
    list_fields,
    seed_pool,
)
from events.sqlstore import SqlEventStore
from tests.pgcluster import TemporaryCluster, schema_url

DOC = REPO / "docs" / "PERFORMANCE.md"
SECTION = "## PostgreSQL"
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
COUNTING = {"shared_preload_libraries": "pg_stat_statements"}  # statements per request
SHOWN = ("server_version", "fsync", "synchronous_commit", "full_page_writes",
         "wal_sync_method", "wal_level", "commit_delay", "shared_buffers", "max_connections",
         "max_wal_size", "checkpoint_timeout", "shared_preload_libraries")
SERVICE_SCHEMA, BASELINE_SCHEMA = "bench_service", "bench_baseline"
# units the service's writer takes into one transaction at most
MAX_BATCH = inspect.signature(SqlEventStore.__init__).parameters["max_batch"].default


class BenchCluster(TemporaryCluster):
    """The tests' temporary server with durability on, pinned to the server CPU."""

    def _command(self, name: str, *args: str) -> list[str]:
        if name == "postgres":
            args = (*args, *[part for key, value in {**DURABLE, **COUNTING}.items()
                             for part in ("-c", f"{key}={value}")])
        return ["taskset", "-c", SERVER_CPU, *super()._command(name, *args)]


def server_settings(url: str) -> dict[str, str]:
    """The server's settings that matter here, as `SHOW` gives them."""
    with psycopg.connect(url, autocommit=True) as conn:
        return {name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                for name in SHOWN}


# --- what the servers spent on a load -----------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (all its threads), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _tree(root: int) -> list[int]:
    """`root` and its descendants (the PostgreSQL server: runuser, postmaster, backends)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


class Cpu:
    """CPU time of a server process and, for the servers that use PostgreSQL, of every
    process of the PostgreSQL server (a backend that started meanwhile counts whole)."""

    def __init__(self, pid: int, pg_root: int | None = None) -> None:
        self.pid, self.pg_root = pid, pg_root

    def snapshot(self) -> tuple[float, dict[int, float]]:
        pg = {}
        if self.pg_root is not None:
            for pid in _tree(self.pg_root):
                seconds = _cpu_seconds(pid)
                if seconds is not None:
                    pg[pid] = seconds
        return _cpu_seconds(self.pid) or 0.0, pg

    def since(self, before: tuple[float, dict[int, float]]) -> tuple[float, float | None]:
        app, pg = self.snapshot()
        pg_seconds = None
        if self.pg_root is not None:
            pg_seconds = sum(seconds - before[1].get(pid, 0.0) for pid, seconds in pg.items())
        return app - before[0], pg_seconds


@dataclass
class Commits:
    """What a load on PostgreSQL did there: rows appended (events, or the baseline's rows),
    COMMIT records in the WAL written meanwhile, the WAL's size, and the SQL statements
    the server ran for all its clients (`top`: the most called)."""

    rows: int
    commits: int
    subxacts: int               # subtransactions (SAVEPOINTs) those COMMITs carried
    wal_bytes: int
    statements: int
    top: list[tuple[int, str]]


# One COMMIT record per transaction that wrote, listing the subtransactions it commits
# ("; subxacts: 741 742"). The events' xmin would not count transactions: a unit and
# each append run in a SAVEPOINT, so rows carry subtransaction ids.
WAL_COMMITS = """
SELECT COUNT(*),
       COALESCE(SUM(COALESCE(array_length(regexp_split_to_array(
           trim(substring(description FROM 'subxacts:([ 0-9]+)')), ' +'), 1), 0)), 0)
FROM public.pg_get_wal_records_info(%s::pg_lsn, pg_current_wal_flush_lsn())
WHERE resource_manager = 'Transaction' AND record_type = 'COMMIT'
"""
# SELECT, INSERT, UPDATE and DELETE only: pg_stat_statements stops counting a utility
# statement (SAVEPOINT, RELEASE, COMMIT) once psycopg prepares it (its 5th execution).
OWN = ("pg_stat_statements", "pg_get_wal_records_info", "pg_current_wal")  # the probe's
STATEMENTS = ("SELECT calls, query FROM public.pg_stat_statements"
              " WHERE query ~* '^\\s*(select|insert|update|delete|with)\\M' AND "
              + " AND ".join(f"query NOT LIKE '%%{own}%%'" for own in OWN)
              + " ORDER BY calls DESC")


class Probe:
    """Around one load: the rows `table` gained, and the WAL between (pg_walinspect)."""

    def __init__(self, url: str, table: str, key: str) -> None:
        self.url, self.table, self.key = url, table, key

    def before(self) -> tuple[int, str]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            top = conn.execute(f"SELECT COALESCE(MAX({self.key}), 0) FROM {self.table}"
                               ).fetchone()
            lsn = conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()
            conn.execute("SELECT public.pg_stat_statements_reset()")
        assert top is not None and lsn is not None
        return int(top[0]), str(lsn[0])

    def after(self, before: tuple[int, str]) -> Commits:
        top, lsn = before
        with psycopg.connect(self.url, autocommit=True) as conn:
            statements = [(int(calls), " ".join(query.split())) for calls, query
                          in conn.execute(STATEMENTS).fetchall()]
            wal = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)",
                               (lsn,)).fetchone()
            rows = conn.execute(f"SELECT COUNT(*) FROM {self.table} WHERE {self.key} > %s",
                                (top,)).fetchone()
            flushed = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), %s)",
                                   (lsn,)).fetchone()
            commits = ((0, 0) if flushed is None or flushed[0] <= 0  # nothing written since
                       else conn.execute(WAL_COMMITS, (lsn,)).fetchone())
        assert rows is not None and commits is not None and wal is not None
        return Commits(int(rows[0]), int(commits[0]), int(commits[1]), int(wal[0]),
                       sum(calls for calls, _ in statements), statements[:12])


@dataclass
class Run:
    url: str
    load: Load
    result: LoadResult
    commits: Commits | None
    cpu_app: float | None       # seconds of CPU of the server process during the load
    cpu_pg: float | None        # ... and of the PostgreSQL server's processes


class Recorder:
    """The run's LoadGenerator, keeping every load's raw result, with the CPU the server
    (and PostgreSQL) spent and, for servers with a probe, what the load did there."""

    def __init__(self, gen: LoadGenerator) -> None:
        self.gen = gen
        self.runs: list[Run] = []
        self.probes: dict[str, Probe] = {}
        self.cpus: dict[str, Cpu] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gen, name)

    def run(self, base_url: str, load: Load, duration: float, connections: int) -> LoadResult:
        probe, cpu = self.probes.get(base_url), self.cpus.get(base_url)
        before = probe.before() if probe else None
        snapshot = cpu.snapshot() if cpu else None
        result = self.gen.run(base_url, load, duration, connections)
        app, pg = cpu.since(snapshot) if cpu and snapshot else (None, None)
        commits = probe.after(before) if probe and before is not None else None
        self.runs.append(Run(base_url, load, result, commits, app, pg))
        return result


# --- the workloads ------------------------------------------------------------------------------

@dataclass
class Spec:
    key: str
    name: str
    run: Callable[[Context], list[Row]]
    write: bool


SPECS = [
    Spec("configuration_20", "GET configuration (20 mapped fields)", configuration_20, False),
    Spec("configuration", "GET configuration (50 mapped fields)", configuration, False),
    Spec("list_fields", "list 100 fields (GET /api/v1/custom-fields?limit=100)", list_fields,
         False),
    Spec("create_field", "create field (POST /api/v1/custom-fields)", create_field, True),
    Spec("add_option", "add option (POST /custom-fields/{id}/options)", add_option, True),
    Spec("create_mapping", "create mapping (POST /api/v1/custom-fields/mapping)",
         create_mapping, True),
]


@dataclass
class Side:
    """One service's measurement of a workload and its baseline's, right before it."""

    ours: Run | None = None
    base: Run | None = None
    notes: list[str] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # every round's, with --rounds

    @property
    def ratio(self) -> float | None:
        if self.ours is None or self.base is None or not self.base.result.rps:
            return None
        return self.ours.result.rps / self.base.result.rps


def median_round(sides: list[Side]) -> Side:
    """The round with the median ratio (ours / its baseline), every round's ratio kept."""
    measured = [side for side in sides if side.ratio is not None]
    notes = [note for side in sides for note in side.notes]
    if not measured:
        return Side(notes=notes)
    ordered = sorted(measured, key=lambda side: side.ratio or 0.0)
    chosen = ordered[len(ordered) // 2]
    return Side(chosen.ours, chosen.base, notes,
                [side.ratio for side in measured if side.ratio is not None])


@dataclass
class Measured:
    spec: Spec
    pg: Side
    sqlite: Side


def measure(spec: Spec, ctx: Context, recorder: Recorder) -> Side:
    recorder.runs.clear()
    side = Side()
    try:
        rows = spec.run(ctx)
    except Exception as exc:  # one broken workload must not lose the others
        traceback.print_exc()
        side.notes.append(f"error: {type(exc).__name__}: {' '.join(str(exc).split())}")
        return side
    base = ctx.sqlite_base if spec.write else ctx.json_base
    last = {run.url: run for run in recorder.runs}  # after a warm-up: the measured load
    side.ours, side.base = last.get(ctx.service.url), last.get(base.url)
    for row in rows:
        if row.status != "measured":
            side.notes += [f"{row.status}: {note}" for note in row.notes]
    for who, run in (("ours", side.ours), ("baseline", side.base)):
        if run is not None and not run.result.clean:
            side.notes.append(f"{who}: {run.result.non_2xx} non-2xx answers and "
                              f"{run.result.errors} socket errors out of "
                              f"{run.result.requests} requests")
    return side


# --- the report ---------------------------------------------------------------------------------

def _rate(run: Run | None) -> str:
    if run is None:
        return "-"
    result = run.result
    text = f"{result.rps:,.0f} req/s"
    if result.p99_ms is not None:
        text += f", p99 {result.p99_ms:.1f} ms"
    return text


def _ratio(ours: Run | None, base: Run | None) -> str:
    if ours is None or base is None or not base.result.rps:
        return "-"
    return f"{ours.result.rps / base.result.rps:.2f}x"


def _base_name(spec: Spec, pg: bool) -> str:
    return ("(b-pg)" if pg else "(b)") if spec.write else "(a)"


def table(measured: list[Measured]) -> list[str]:
    out = ["| Workload | service on PostgreSQL | its baseline | ratio | service on SQLite "
           "| its baseline | ratio | PostgreSQL / SQLite |",
           "|---|---|---|---|---|---|---|---|"]
    for m in measured:
        out.append(f"| {m.spec.name} | {_rate(m.pg.ours)} | {_base_name(m.spec, True)} "
                   f"{_rate(m.pg.base)} | {_ratio(m.pg.ours, m.pg.base)} | "
                   f"{_rate(m.sqlite.ours)} | {_base_name(m.spec, False)} "
                   f"{_rate(m.sqlite.base)} | {_ratio(m.sqlite.ours, m.sqlite.base)} | "
                   f"{_ratio(m.pg.ours, m.sqlite.ours)} |")
    return out


def cost_table(measured: list[Measured]) -> list[str]:
    out = ["| Workload | server | requests | CPU per request: server process + PostgreSQL "
           "| CPU busy (of the 1 core) | requests per COMMIT | SQL statements per request "
           "| WAL per request |",
           "|---|---|---|---|---|---|---|---|"]
    for m in measured:
        who = [("service on PostgreSQL", m.pg.ours),
               *([(f"baseline {_base_name(m.spec, True)}", m.pg.base)] if m.spec.write
                 else []),
               ("service on SQLite", m.sqlite.ours),
               *([(f"baseline {_base_name(m.spec, False)}", m.sqlite.base)] if m.spec.write
                 else [])]
        for name, run in who:
            if run is None:
                continue
            n = run.result.requests
            cpu = "-"
            busy = "-"
            if run.cpu_app is not None and n:
                cpu = f"{run.cpu_app * 1000 / n:.2f} ms"
                total = run.cpu_app
                if run.cpu_pg is not None:
                    cpu += f" + {run.cpu_pg * 1000 / n:.2f} ms"
                    total += run.cpu_pg
                busy = f"{total / run.result.seconds:.0%}" if run.result.seconds else "-"
            c = run.commits
            per_commit = statements = wal = "-"
            if c is not None and n:
                statements = _per(c.statements, n, 1)
                if run.load.method == "POST":
                    per_commit, wal = _per(n, c.commits, 1), f"{c.wal_bytes / n:,.0f} B"
            elif name == "baseline (b)":
                per_commit = "1 (by construction)"
            out.append(f"| {m.spec.name} | {name} | {n:,} | {cpu} | {busy} | {per_commit} "
                       f"| {statements} | {wal} |")
    return out


def _span(values: list[float], digits: int = 2, unit: str = "") -> str:
    if not values:
        return "-"
    low, high = min(values), max(values)
    if f"{low:.{digits}f}" == f"{high:.{digits}f}":
        return f"{low:.{digits}f}{unit}"
    return f"{low:.{digits}f}-{high:.{digits}f}{unit}"


def interpretation(measured: list[Measured], rounds: int) -> list[str]:
    """What the tables say, in numbers of this run."""
    writes = [m for m in measured if m.spec.write and m.pg.ours and m.sqlite.ours]
    reads = [m for m in measured if not m.spec.write and m.pg.ours and m.sqlite.ours]
    out = []
    if writes:
        def ratio(m: Measured) -> float:
            assert m.pg.ours and m.sqlite.ours
            return m.pg.ours.result.rps / m.sqlite.ours.result.rps if \
                m.sqlite.ours.result.rps else 0.0
        runs = [m.pg.ours for m in writes if m.pg.ours and m.pg.ours.commits
                and m.pg.ours.commits.commits and m.pg.ours.result.requests]
        per_commit = [r.result.requests / r.commits.commits for r in runs if r.commits]
        subxacts = [r.commits.subxacts / r.commits.commits for r in runs if r.commits]
        statements = [r.commits.statements / r.result.requests for r in runs if r.commits]
        pg_app = [r.cpu_app * 1000 / r.result.requests for r in runs if r.cpu_app is not None]
        pg_db = [r.cpu_pg * 1000 / r.result.requests for r in runs if r.cpu_pg is not None]
        sub_per_request = [r.commits.subxacts / r.result.requests for r in runs if r.commits]
        pairs = []  # (CPU per request on PostgreSQL, on SQLite), per workload
        for m in writes:
            pg_run, sq_run = m.pg.ours, m.sqlite.ours
            if (pg_run and sq_run and pg_run.result.requests and sq_run.result.requests
                    and pg_run.cpu_app is not None and pg_run.cpu_pg is not None
                    and sq_run.cpu_app is not None):
                pairs.append(((pg_run.cpu_app + pg_run.cpu_pg) * 1000 / pg_run.result.requests,
                              sq_run.cpu_app * 1000 / sq_run.result.requests))
        pg_all, sq_all = [pg for pg, _ in pairs], [sq for _, sq in pairs]
        out += [
            f"- Writes on PostgreSQL run at {_span([ratio(m) for m in writes])}x of the same "
            "service on SQLite. Group commit works: the writer takes the log's write lock (an "
            "advisory lock of the schema) once per batch, runs every unit that queued "
            "while the previous COMMIT was in flight, and commits them together: "
            f"{_span(per_commit, 1)} requests per COMMIT here, so one WAL flush serves that "
            "many requests, where (b-pg) flushes once per request. The flush is not what "
            "limits the service, the core is: a request costs "
            f"{_span(pg_all)} ms of CPU on PostgreSQL (service process + server) against "
            f"{_span(sq_all)} ms on SQLite: SQLite / PostgreSQL "
            f"{_span([sq / pg for pg, sq in pairs if pg])}x in CPU, "
            f"{_span([ratio(m) for m in writes])}x in rate.",
            "- Where it goes: on PostgreSQL every statement of a unit is a round trip from "
            "the writer thread to a server process on the same core, "
            f"{_span(statements, 1)} SELECT/INSERT/UPDATE statements per request (the API "
            "key lookup by the read pool included) plus the SAVEPOINT and RELEASE of the "
            "unit and of its append; the server's side of that is "
            f"{_span(pg_db)} ms per request, and the service process itself spends "
            f"{_span(pg_app)} ms, against {_span(sq_all)} ms for the whole request on "
            "SQLite, where a statement is a call into a library in the process. Fewer round "
            "trips per unit (statements sent together, one savepoint instead of two) look "
            "like the place for a speed-up; this bench does not try it.",
            f"- Each COMMIT carried {_span(subxacts, 1)} subtransactions, "
            f"{_span(sub_per_request, 1)} per request (the unit's SAVEPOINT and its "
            "append's). Past 64 in one transaction "
            "(PostgreSQL's per-backend cache of subtransaction ids) concurrent snapshots "
            "must look them up in pg_subtrans while it runs; the writer's batches may reach "
            f"{MAX_BATCH} units, which is about "
            f"{round(max(sub_per_request or [0.0]) * MAX_BATCH)} subtransactions.",
            "- The write baselines are latency-bound, not CPU-bound: (b) and (b-pg) commit one "
            "request at a time and block their event loop on the flush, so they leave the "
            "core partly idle (the CPU busy column) and their rate follows the disk's flush "
            "latency, which other work on this machine moves"
            + ("; hence the spread of the ratios against them from round to round (Notes)"
               if rounds > 1 else "")
            + ". PostgreSQL / SQLite and the CPU per request are the steadier figures.",
        ]
    quiet = [m for m in reads if m.pg.ours and m.pg.ours.commits is not None
             and m.pg.ours.result.requests
             and m.pg.ours.commits.statements / m.pg.ours.result.requests < 0.05]
    if quiet:
        cpu = [f"{m.pg.ours.cpu_app * 1000 / m.pg.ours.result.requests:.2f} ms against "
               f"{m.sqlite.ours.cpu_app * 1000 / m.sqlite.ours.result.requests:.2f} ms"
               for m in quiet if m.pg.ours and m.sqlite.ours and m.pg.ours.cpu_app is not None
               and m.sqlite.ours.cpu_app is not None and m.sqlite.ours.result.requests]
        out.append(
            "- Reads: " + " and ".join(m.spec.name.split(" (")[0] for m in quiet) + " ran "
            "no statement on PostgreSQL during the loads (answered from the service's "
            "in-process caches, as on SQLite), so both backends do the same work there "
            f"(CPU per request {'; '.join(cpu)}), and the PostgreSQL / SQLite ratios of those "
            "rows are the machine's noise, not the database.")
    out.append("- CPU busy below 100% is idle time or other work on the machine taking "
               "the core: other processes are not kept off it.")
    return out


def _per(count: int, per: int, digits: int) -> str:
    return f"{count / per:.{digits}f}" if per else "-"


def render(args: argparse.Namespace, gen: LoadGenerator, measured: list[Measured],
           settings: dict[str, str], elapsed: float, load_before: float) -> str:
    command = "python -m bench.postgres" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:]
                                            else "")
    pinning = (f"the PostgreSQL server, both services and the baselines on CPU "
               f"{harness.SERVER_CPU} (`taskset -c {harness.SERVER_CPU}`), the load "
               f"generator and the bench on CPU {harness.LOAD_CPU}" if harness.PINNED_APART
               else f"one CPU only: everything shares CPU {harness.SERVER_CPU}")
    out = [
        SECTION,
        "",
        f"Written by `{command}` (`--docs` puts it here; `make bench` runs "
        "`bench.run`, which rewrites this page, then this). Every figure is from the "
        "same run: each service right after its "
        "baseline, PostgreSQL then SQLite for each workload. Ratios are ours / baseline "
        "(requests/s; more is better). (b-pg) is (b) on PostgreSQL: one INSERT + COMMIT per "
        "POST through one psycopg 3 connection, into the same server as the service.",
        "",
        *table(measured),
        "",
        "What each measured load cost: CPU time of the server process and of all the "
        "PostgreSQL server's processes (utime + stime from /proc) during the load, per "
        "request; the share of the core they kept busy; on PostgreSQL, the COMMIT records "
        "in the WAL written during the load (pg_walinspect), the SELECT/INSERT/UPDATE "
        "statements the server ran for all its clients (pg_stat_statements, reset before "
        "the load; the service's writer also sends a SAVEPOINT and a RELEASE per unit and "
        "per append, which pg_stat_statements does not count once psycopg prepares them) "
        "and the WAL's size:",
        "",
        *cost_table(measured),
        "",
    ]
    out += ["Interpretation:", "", *interpretation(measured, args.rounds), ""]
    notes = [f"- {m.spec.name}, {who}: {note}" for m in measured
             for who, side in (("PostgreSQL", m.pg), ("SQLite", m.sqlite))
             for note in side.notes]
    if args.rounds > 1:
        notes += [f"- {m.spec.name}: the ratios of the {args.rounds} rounds were "
                  + "; ".join(f"{who} " + ", ".join(f"{r:.2f}x" for r in side.ratios)
                              for who, side in (("PostgreSQL", m.pg), ("SQLite", m.sqlite)))
                  for m in measured]
    if notes:
        out += ["Notes:", "", *notes, ""]
    shown = ", ".join(f"{name}={value}" for name, value in settings.items())
    out += [
        "Method:",
        "",
        f"- Command: `{command}`; {args.duration:g} s per load, {args.connections} "
        f"connections, a 1 s warm-up before each read load; "
        + (f"{args.rounds} rounds per workload (each: PostgreSQL's baseline, PostgreSQL, "
           "SQLite's baseline, SQLite), the round with the median ratio kept for each "
           "backend; " if args.rounds > 1 else "one round per workload; ")
        + "the whole run took "
        f"{elapsed / 60:.1f} min.",
        f"- Load: {gen.description}.",
        f"- Pinning: {pinning}. The database shares the service's core in both cases: "
        "SQLite inside the service's process, PostgreSQL in its own processes beside it.",
        "- PostgreSQL: a temporary cluster (tests/pgcluster.py's `TemporaryCluster`, "
        "Debian's binaries) with the tests' settings except durability, which is back on "
        "(`-c fsync=on -c synchronous_commit=on -c full_page_writes=on`), and with "
        "pg_stat_statements preloaded to count statements (it costs every statement a "
        f"little, the baseline's as well as the service's): {shown}; "
        f"data directory on the same disk as the SQLite files ({tempfile.gettempdir()}). "
        f"The service uses the schema `{SERVICE_SCHEMA}` "
        f"(`--db postgresql://postgres@127.0.0.1:PORT/postgres?options=-csearch_path%3D"
        f"{SERVICE_SCHEMA}`), bootstrapped with the CLI and that URL; (b-pg) the schema "
        f"`{BASELINE_SCHEMA}`.",
        "- SQLite: the service on a fresh file with its default settings (WAL, "
        "synchronous=FULL), (b) with the same, as `make bench` runs them.",
        "- The loads are bench/workloads.py's: the same requests, bodies and Lua scripts as "
        f"the table at the top of this page; the mapping pool holds {POOL_PER_SECOND:,} "
        "fields per second of load in each database, seeded before its service started.",
        f"- Machine: nproc {os.cpu_count()} ({cpu_model()}), shared with other work: load "
        f"average (1 min) {load_before:.2f} at the start and {os.getloadavg()[0]:.2f} at the "
        "end; absolute figures move from run to run, the ratios less.",
        "",
    ]
    return "\n".join(out)


def write_docs(section: str, path: Path = DOC) -> None:
    """Replace the "## PostgreSQL" section of the page, or insert it before "## Machine"."""
    text = path.read_text(encoding="utf-8")
    section = section.rstrip() + "\n\n"
    pattern = re.compile(r"^## PostgreSQL\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    elif "\n## Machine\n" in text:
        text = text.replace("\n## Machine\n", "\n" + section + "## Machine\n", 1)
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


# --- the run ------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per load (default 10)")
    parser.add_argument("--connections", type=int, default=50,
                        help="concurrent connections of each load (default 50)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator (default: wrk if possible, else the Python one)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each workload this many times (baseline, then ours, "
                        "each round) and keep, per backend, the round with the median ratio "
                        "(default 1)")
    parser.add_argument("--only", help="comma-separated workloads: "
                        + ", ".join(spec.key for spec in SPECS))
    parser.add_argument("--docs", action="store_true",
                        help=f"also write the table as the '{SECTION}' section of {DOC}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    keys = [spec.key for spec in SPECS]
    chosen = [k.strip() for k in (args.only or ",".join(keys)).split(",") if k.strip()]
    unknown = [k for k in chosen if k not in keys]
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}; known: {', '.join(keys)}")
    args.specs = [spec for spec in SPECS if spec.key in chosen]
    return args


def _start_service(name: str, db: str, tenant: Tenant, workdir: Path, duration: float,
                   rounds: int, run_id: str) -> tuple[Server, list[str]]:
    count = int(POOL_PER_SECOND * duration) * rounds
    say(f"{name}: seeding {count:,} fields for the mapping workload")
    pool = seed_pool(db, tenant, count, run_id)
    server = service_server(name, db, free_port(), workdir / f"{name}.log").start()
    say(f"{name} ready on {server.url} after {server.ready_after:.1f} s")
    return server, pool


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    harness.pin_self_to_load_cpu()
    workdir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    run_id = secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    gen = LoadGenerator(args.tool, str(workdir))
    say(f"workdir {workdir}; load generator: {gen.tool} ({gen.note})")
    recorder = Recorder(gen)
    servers: list[Server] = []
    cluster: BenchCluster | None = None
    measured: list[Measured] = []
    try:
        cluster = BenchCluster()
        settings = server_settings(cluster.admin_url)
        say(f"PostgreSQL on port {cluster.port}: {settings}")
        with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
            for name in (SERVICE_SCHEMA, BASELINE_SCHEMA):
                conn.execute(f"CREATE SCHEMA {name}")
            conn.execute("CREATE EXTENSION pg_walinspect WITH SCHEMA public")
            conn.execute("CREATE EXTENSION pg_stat_statements WITH SCHEMA public")
        pg_url = schema_url(cluster.admin_url, SERVICE_SCHEMA)
        base_url = schema_url(cluster.admin_url, BASELINE_SCHEMA)

        ports = [free_port() for _ in range(3)]
        json_base = Server("baseline (a)", [sys.executable, "-m", "bench.baselines", "json",
                                            "--port", str(ports[0])],
                           ports[0], workdir / "baseline-json.log")
        sqlite_base = Server("baseline (b)", [sys.executable, "-m", "bench.baselines",
                                              "sqlite", "--port", str(ports[1]), "--db",
                                              str(workdir / "baseline.sqlite")],
                             ports[1], workdir / "baseline-sqlite.log",
                             env=harness.service_env())
        pg_base = Server("baseline (b-pg)", [sys.executable, "-m", "bench.baselines",
                                             "postgres", "--port", str(ports[2]), "--db",
                                             base_url],
                         ports[2], workdir / "baseline-postgres.log", env=harness.service_env())
        for server in (json_base, sqlite_base, pg_base):
            servers.append(server.start())

        sqlite_db = str(workdir / "service.sqlite")
        sqlite_tenant = bootstrap(sqlite_db)
        sqlite_service, sqlite_pool = _start_service("service-sqlite", sqlite_db,
                                                     sqlite_tenant, workdir, args.duration,
                                                     args.rounds, run_id)
        servers.append(sqlite_service)
        pg_tenant = bootstrap(pg_url)
        pg_service, pg_pool = _start_service("service-postgres", pg_url, pg_tenant, workdir,
                                             args.duration, args.rounds, run_id)
        servers.append(pg_service)
        recorder.probes[pg_service.url] = Probe(pg_url, "events", "seq")
        recorder.probes[pg_base.url] = Probe(base_url, "rows", "id")
        assert cluster.process is not None
        for server in (pg_service, pg_base):
            recorder.cpus[server.url] = Cpu(server.pid, cluster.process.pid)
        for server in (sqlite_service, sqlite_base, json_base):
            recorder.cpus[server.url] = Cpu(server.pid)

        def context(service: Server, tenant: Tenant, write_base: Server,
                    pool: list[str]) -> Context:
            return Context(gen=recorder, workdir=workdir,
                           duration=args.duration, connections=args.connections, records=0,
                           events=0, quick=False, rounds=1, run_id=run_id, tenant=tenant,
                           service=service, json_base=json_base, sqlite_base=write_base,
                           pool=pool)

        pg_ctx = context(pg_service, pg_tenant, pg_base, pg_pool)
        sqlite_ctx = context(sqlite_service, sqlite_tenant, sqlite_base, sqlite_pool)
        share = len(pg_pool) // args.rounds
        for spec in args.specs:
            say(f"workload {spec.name}")
            began = time.perf_counter()
            rounds: tuple[list[Side], list[Side]] = ([], [])
            for round_ in range(args.rounds):
                for ctx, pool, sides in ((pg_ctx, pg_pool, rounds[0]),
                                         (sqlite_ctx, sqlite_pool, rounds[1])):
                    # unique names and a fresh slice of the mapping pool in every round
                    ctx.run_id = f"{run_id}{round_}" if args.rounds > 1 else run_id
                    ctx.pool = pool[round_ * share:(round_ + 1) * share]
                    sides.append(measure(spec, ctx, recorder))
            pg, sqlite = median_round(rounds[0]), median_round(rounds[1])
            measured.append(Measured(spec, pg, sqlite))
            say(f"  PostgreSQL {_rate(pg.ours)} vs {_base_name(spec, True)} {_rate(pg.base)}"
                f" = {_ratio(pg.ours, pg.base)}; SQLite {_rate(sqlite.ours)} vs "
                f"{_base_name(spec, False)} {_rate(sqlite.base)} = "
                f"{_ratio(sqlite.ours, sqlite.base)}; PostgreSQL / SQLite "
                f"{_ratio(pg.ours, sqlite.ours)} ({time.perf_counter() - began:.0f} s)")
            if spec.write and pg.ours is not None and pg.ours.commits is not None:
                c = pg.ours.commits
                say(f"  PostgreSQL: {pg.ours.result.requests:,} requests, {c.commits:,} "
                    f"COMMITs, {c.statements:,} statements, {c.rows:,} events; most called:")
                for calls, query in c.top:
                    say(f"    {calls:>8,}  {query[:150]}")
    finally:
        for server in servers:
            server.stop()
        if cluster is not None:
            cluster.destroy()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    section = render(args, gen, measured, settings, time.perf_counter() - started, load_before)
    print(section)
    if args.docs:
        write_docs(section)
        say(f"wrote the '{SECTION}' section of {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
