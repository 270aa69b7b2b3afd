"""`make bench`: run the workloads against the service and the baselines, then rewrite
docs/PERFORMANCE.md.

    python -m bench.run [--duration S] [--connections N] [--only W[,W...]] [--quick]
                        [--rounds N] [--tool auto|wrk|python] [--output PATH]
                        [--profile DIR] [--keep]

Everything happens in a temporary directory: two baseline apps (bench/baselines.py) and
the service on a fresh database, bootstrapped with the `custom-fields` CLI, all pinned
to the server CPU with `taskset`; the load generator (bench/load.py) and this process on
the other CPU. Absolute times on shared machines are noisy, so every figure sits beside
a baseline measured in the same run, and the ratio of the two is what is compared.
`--quick` is a fast check: 2 s per load, 1,000 synced records, 100,000 events.
"""

import argparse
import datetime as dt
import os
import platform
import pstats
import secrets
import shutil
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import aiohttp

from bench import harness
from bench.harness import REPO, Server, bootstrap, free_port, service_server
from bench.load import LoadGenerator
from bench.workloads import POOL_PER_SECOND, WORKLOADS, Context, Row, seed_pool, setup_value_fields

DEFAULT_OUTPUT = REPO / "docs" / "PERFORMANCE.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, help="seconds per load (default 10; "
                        "--quick: 2)")
    parser.add_argument("--connections", type=int, default=50,
                        help="concurrent connections of each load (default 50)")
    parser.add_argument("--only", help="comma-separated workloads: " + ", ".join(WORKLOADS))
    parser.add_argument("--quick", action="store_true",
                        help="short loads and small datasets (2 s, 1k records, 100k events)")
    parser.add_argument("--records", type=int, help="synced records (default 10,000; "
                        "--quick: 1,000)")
    parser.add_argument("--events", type=int, help="events of the generated log "
                        "(default 1,000,000; --quick: 100,000)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate baseline and ours this many times per comparison "
                        "and keep the median ratio (default 1)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator (default: wrk, installed if possible, else "
                        "the Python one)")
    parser.add_argument("--output", type=Path, help=f"report path (default {DEFAULT_OUTPUT}"
                        "; with --profile: DIR/PERFORMANCE.md)")
    parser.add_argument("--profile", type=Path, help="run the service under cProfile and "
                        "write its statistics to this directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    args.duration = args.duration or (2.0 if args.quick else 10.0)
    args.records = args.records or (1_000 if args.quick else 10_000)
    args.events = args.events or (100_000 if args.quick else 1_000_000)
    names = list(WORKLOADS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in WORKLOADS]
        if unknown:
            parser.error(f"unknown workload(s): {', '.join(unknown)}; "
                         f"known: {', '.join(WORKLOADS)}")
        names = [n for n in WORKLOADS if n in names]  # the canonical order
    args.workloads = names
    if args.output is None:
        args.output = args.profile / "PERFORMANCE.md" if args.profile else DEFAULT_OUTPUT
    return args


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- the report ---------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=REPO)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, cwd=REPO).stdout.strip()
    return (done.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty else "")


def _met(row: Row) -> str:
    if row.status != "measured":
        return row.status
    if row.met is None:
        return "-"
    return "yes" if row.met else "**no**"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(args: argparse.Namespace, gen: LoadGenerator, rows: list[Row],
           started: dt.datetime, elapsed: float, server_log: dict[str, int]) -> str:
    cpu_note = (f"the servers (service and baselines) on CPU {harness.SERVER_CPU} with "
                f"`taskset -c {harness.SERVER_CPU}`, the load generator and the bench "
                f"process on CPU {harness.LOAD_CPU}" if harness.PINNED_APART else
                f"only one CPU is available: servers and load generator share CPU "
                f"{harness.SERVER_CPU}, so the figures are lower than on two cores")
    out = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench.run`"
        + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "") + "); do not edit by hand.",
        "Absolute times on these machines are noisy, so every figure is given beside a "
        "baseline measured in the same run, right before it, and the **ratio** is what "
        "the targets compare. Ratios are ours / baseline for rates and memory and "
        "baseline / ours for durations: for speed, more is better.",
        "",
        "| Workload | Ours | Baseline | Ratio | Target | Met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        out.append(f"| {_cell(row.workload)} | {_cell(row.ours)} | {_cell(row.baseline)} | "
                   f"{ratio} | {_cell(row.target)} | {_met(row)} |")
    missed = [r.workload for r in rows if r.status == "measured" and r.met is False]
    out += ["", "Targets missed: " + ("; ".join(missed) if missed else "none") + ".", ""]
    out += ["## Notes", ""]
    for row in rows:
        for note in row.notes:
            out.append(f"- {row.workload}: {note}")
    if server_log:
        out.append(f"- The service logs one JSON access line per request to stderr, which "
                   f"the bench redirects to a file: {server_log['lines']:,} lines "
                   f"({server_log['bytes'] / 1e6:.1f} MB) in this run. There is no "
                   "log-level setting yet; the `access_log` row prices those lines.")
    out += [
        "",
        "## Baselines",
        "",
        "- (a) a minimal aiohttp app answering a fixed small JSON (it reads, but does not "
        "parse, a POST body): the reference for the read path and preview.",
        "- (b) a minimal aiohttp app inserting the request body as one row into SQLite per "
        "POST, one commit per request, with the service's durability settings (WAL, "
        f"synchronous={_synchronous()}): the reference for the write path.",
        "- Both are in bench/baselines.py, started by the bench on the same CPU as the "
        "service, and loaded with exactly the same requests (same Lua script, headers and "
        "bodies).",
        "",
        "## Method",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; the whole run took "
        f"{elapsed / 60:.1f} min; commit {_git_commit()}.",
        f"- Pinning: {cpu_note}.",
        f"- Load: {gen.description}; {args.duration:g} s per load, {args.connections} "
        "connections, only against 127.0.0.1; a 1 s warm-up precedes each read load; "
        + (f"{args.rounds} rounds per comparison, baseline and ours alternating, the round "
           "with the median ratio reported." if args.rounds > 1 else
           "one round per comparison: the baseline, then ours."),
        "- Service: `python -m service --db DB serve` on a fresh database in a temporary "
        "directory, bootstrapped with the CLI (organization, key, workday and hubspot "
        "enabled, one workday connector), CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND=0, default "
        "settings otherwise; stderr redirected to a file.",
        f"- Datasets: {args.records:,} synced records, {args.events:,} events for rebuild "
        f"and memory, a pool of {POOL_PER_SECOND:,} fields per second of load for the "
        "mapping workload" + (" (`--quick`)" if args.quick else "") + ".",
        "- Durations (sync, values) are timed sequentially on one keep-alive connection "
        "from the bench process.",
        "",
        "## Reproduce",
        "",
        "- `make bench` (this page: `python -m bench.run`, then `python -m bench.postgres "
        "--docs` for the PostgreSQL section), or `python -m bench.run --quick` for a fast "
        "check (2 s loads, 1,000 records, 100,000 events; it writes here too unless "
        "`--output` says otherwise).",
        "- `python -m bench.run --only list_fields,values --rounds 3` reruns some rows, "
        "alternating baseline and ours three times.",
        "- `python -m bench.run --only preview --quick --profile DIR` runs the service "
        "under cProfile and writes DIR/service.txt (event-loop thread) and "
        "DIR/service.threads.txt (the event store's writer and the SQLite readers); the "
        "figures of a profiled run are not comparable with these.",
        "- `python -m bench.instructions` counts instructions per request (callgrind, "
        "sequential requests in process): a figure the machine's load does not move, for "
        "comparing two checkouts of the code.",
        "",
        *_history(),
        "## Machine",
        "",
        f"- nproc: {os.cpu_count()} ({cpu_model()}); load average (1 min) "
        f"{args.load_before:.2f} at the start and {os.getloadavg()[0]:.2f} at the end of the "
        "run (other work on the machine shows up here, and in the noise of the figures)",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"aiohttp {aiohttp.__version__}, SQLite {sqlite3.sqlite_version}",
        f"- {platform.system()} {platform.release()} {platform.machine()}",
        "",
    ]
    return "\n".join(out)


HISTORY = REPO / "bench" / "history.md"


def _history() -> list[str]:
    """The hand-kept record of profiles and changes (before/after), copied in verbatim."""
    if not HISTORY.exists():
        return []
    return [HISTORY.read_text(encoding="utf-8").rstrip(), ""]


def _synchronous() -> str:
    from service.settings import Settings
    return Settings.from_env().synchronous


def write_profile(directory: Path) -> None:
    """Top functions of the profiled service (event-loop thread, then the other threads)."""
    for name in ("service.prof", "service.prof.threads"):
        path = directory / name
        if not path.exists():
            continue
        with open(directory / (name.replace(".prof", "") + ".txt"), "w") as out:
            stats = pstats.Stats(str(path), stream=out)
            stats.strip_dirs().sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(40)
        say(f"profile: {directory / (name.replace('.prof', '') + '.txt')}")


# --- the run --------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.load_before = os.getloadavg()[0]
    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    harness.pin_self_to_load_cpu()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    run_id = secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    say(f"workdir {workdir}; workloads: {', '.join(args.workloads)}")
    gen = LoadGenerator(args.tool, str(workdir))
    say(f"load generator: {gen.tool} ({gen.note})")
    servers: list[Server] = []
    rows: list[Row] = []
    server_log: dict[str, int] = {}
    try:
        json_port, sqlite_port = free_port(), free_port()
        json_base = Server("baseline (a)", [sys.executable, "-m", "bench.baselines", "json",
                                            "--port", str(json_port)],
                           json_port, workdir / "baseline-json.log")
        sqlite_base = Server("baseline (b)", [sys.executable, "-m", "bench.baselines",
                                              "sqlite", "--port", str(sqlite_port), "--db",
                                              str(workdir / "baseline.sqlite")],
                             sqlite_port, workdir / "baseline-sqlite.log",
                             env=harness.service_env())
        for server in (json_base, sqlite_base):
            servers.append(server.start())

        db = str(workdir / "service.sqlite")
        tenant = bootstrap(db)
        pool: list[str] = []
        if "create_mapping" in args.workloads:
            count = int(POOL_PER_SECOND * args.duration) * args.rounds
            say(f"seeding {count:,} fields for the mapping workload")
            pool = seed_pool(db, tenant, count, run_id)
        profile_dir = args.profile.resolve() if args.profile else None
        if profile_dir:
            profile_dir.mkdir(parents=True, exist_ok=True)
        service = service_server("service", db, free_port(), workdir / "service.log",
                                 profile=profile_dir / "service.prof" if profile_dir else None)
        servers.append(service.start())
        say(f"service ready on {service.url} after {service.ready_after:.1f} s")
        ctx = Context(gen=gen, workdir=workdir, duration=args.duration,
                      connections=args.connections, records=args.records, events=args.events,
                      quick=args.quick, rounds=args.rounds, run_id=run_id, tenant=tenant,
                      service=service, json_base=json_base, sqlite_base=sqlite_base,
                      pool=pool)
        setup_value_fields(ctx)
        for name in args.workloads:
            say(f"workload {name}")
            began = time.perf_counter()
            try:
                produced = WORKLOADS[name](ctx)
            except Exception as exc:  # one broken workload must not lose the others
                traceback.print_exc()
                produced = [Row(name, "error", "-", None, "-", None, "error",
                                [f"{type(exc).__name__}: {exc}"])]
            for row in produced:
                ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
                say(f"  {row.workload}: {row.ours} | {row.baseline} | {ratio} | "
                    f"{row.target} | {_met(row)}")
            say(f"  ({time.perf_counter() - began:.0f} s)")
            rows.extend(produced)
        log_path = service.log_path
        service.stop()
        if log_path.exists():
            server_log = {"lines": len(log_path.read_bytes().splitlines()),
                          "bytes": log_path.stat().st_size}
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.profile:
        write_profile(args.profile.resolve())
    report = render(args, gen, rows, started_at, time.perf_counter() - started, server_log)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    say(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
