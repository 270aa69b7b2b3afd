"""Load generation: `wrk` when it is there (installed with apt when we are root), else a
bounded Python load generator; either way pinned to the load CPU (CPU 1 on two cores),
only against 127.0.0.1.

A `Load` says what to send: a fixed request, a request carrying a unique token
(`unique`: the first occurrence of the placeholder in the body is replaced by
PREFIX_tTHREAD_N), or requests read in turn from a file of `PATH<TAB>BODY` lines
(`cycle_file`). `wrk` runs the matching script of bench/lua/; the Python generator
implements the same three shapes. Both give a `LoadResult` with requests per second,
p50 and p99 latency, and the count of answers that were not 2xx/3xx.

`python -m bench.load --spec FILE` runs the Python generator on a spec written by
`run_python` and prints its result as JSON (that is how it is pinned to its CPU).
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.harness import LOAD_CPU

LUA_DIR = Path(__file__).resolve().parent / "lua"
WRK_THREADS = 1          # one core for the load generator: one thread
TIMEOUT_SECONDS = 30     # a request slower than this counts as an error, not a hang


@dataclass
class Load:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None        # body, or body template when `unique` is set
    unique: str | None = None      # placeholder in `body` replaced per request
    prefix: str = "b"              # start of the unique token (lower case, snake_case)
    cycle_file: str | None = None  # PATH<TAB>BODY per line, taken in turn


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int = 0
    errors: int = 0

    @property
    def clean(self) -> bool:
        return self.non_2xx == 0 and self.errors == 0


# --- wrk --------------------------------------------------------------------------------

def ensure_wrk() -> tuple[str | None, str]:
    """(path to wrk or None, what was done). Installs it with apt when missing and root."""
    path = shutil.which("wrk")
    if path:
        return path, "wrk found on PATH"
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "wrk is missing and apt-get cannot be used (not root or no apt)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run("apt-get update -qq && apt-get install -y -qq wrk", shell=True,
                          env=env, capture_output=True, text=True, timeout=600)
    path = shutil.which("wrk")
    if path:
        return path, "wrk installed with apt-get"
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    return None, f"apt-get install wrk failed: {tail[0]}"


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_COUNT_UNITS = {"": 1, "k": 1_000, "M": 1_000_000, "G": 1_000_000_000}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Read requests, duration, Requests/sec, the --latency percentiles and the errors."""
    done = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.M)
    rps = re.search(r"^Requests/sec:\s*([\d.]+)", output, re.M)
    if not done or not rps:
        raise ValueError("unexpected wrk output:\n" + output)
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m|h))\s*$",
                                  output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    return LoadResult(
        tool="wrk", requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000.0, rps=float(rps.group(1)),
        p50_ms=_ms(percentiles["50"]) if "50" in percentiles else None,
        p99_ms=_ms(percentiles["99"]) if "99" in percentiles else None,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in socket.groups()) if socket else 0)


def wrk_command(wrk: str, base_url: str, load: Load, duration: float, connections: int,
                workdir: str) -> list[str]:
    command = ["taskset", "-c", LOAD_CPU, wrk, f"-t{WRK_THREADS}", f"-c{connections}",
               f"-d{max(1, round(duration))}s", f"--timeout={TIMEOUT_SECONDS}s", "--latency"]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    if load.cycle_file:
        script, args = "cycle.lua", [load.method, load.cycle_file, str(WRK_THREADS)]
    else:
        body_file = ""
        if load.body is not None:
            fd, body_file = tempfile.mkstemp(suffix=".body", dir=workdir)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(load.body)
        if load.unique:
            script = "unique.lua"
            args = [load.method, load.path, body_file, load.unique, load.prefix]
        else:
            script, args = "static.lua", [load.method, load.path, body_file]
    return command + ["-s", str(LUA_DIR / script), base_url, "--", *args]


def run_wrk(wrk: str, base_url: str, load: Load, duration: float, connections: int,
            workdir: str) -> LoadResult:
    command = wrk_command(wrk, base_url, load, duration, connections, workdir)
    done = subprocess.run(command, capture_output=True, text=True,
                          timeout=duration + TIMEOUT_SECONDS + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


# --- the Python fallback ------------------------------------------------------------------

def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def _request_maker(load: Load):
    """A function of (worker index, request number) -> (path, body), like the Lua scripts."""
    if load.cycle_file:
        items = []
        for line in Path(load.cycle_file).read_text("utf-8").splitlines():
            path, _, body = line.partition("\t")
            items.append((path, body))
        counter = iter(range(10**12))
        return lambda _worker: items[next(counter) % len(items)]
    if load.unique:
        head, _, tail = (load.body or "").partition(load.unique)
        counter = iter(range(1, 10**12))
        prefix = f"{load.prefix}_t0_"
        return lambda _worker: (load.path, f"{head}{prefix}{next(counter)}{tail}")
    return lambda _worker: (load.path, load.body)


async def _python_load(base_url: str, load: Load, duration: float,
                       connections: int) -> LoadResult:
    import aiohttp  # only the fallback needs it here

    make = _request_maker(load)
    latencies: list[float] = []
    counts = {"non_2xx": 0, "errors": 0}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout,
                                     headers=load.headers) as session:
        started = time.perf_counter()
        deadline = started + duration

        async def worker(index: int) -> None:
            while time.perf_counter() < deadline:
                path, body = make(index)
                began = time.perf_counter()
                try:
                    async with session.request(load.method, path, data=body) as response:
                        await response.read()
                        if response.status >= 400:
                            counts["non_2xx"] += 1
                except (TimeoutError, aiohttp.ClientError):
                    counts["errors"] += 1
                    continue
                latencies.append((time.perf_counter() - began) * 1000.0)

        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    done = len(latencies)
    return LoadResult(tool="python", requests=done, seconds=elapsed, rps=done / elapsed,
                      p50_ms=_percentile(latencies, 50), p99_ms=_percentile(latencies, 99),
                      non_2xx=counts["non_2xx"], errors=counts["errors"])


def run_python(base_url: str, load: Load, duration: float, connections: int,
               workdir: str) -> LoadResult:
    """The Python generator in its own process on the load CPU."""
    fd, spec = tempfile.mkstemp(suffix=".json", dir=workdir)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"base_url": base_url, "load": asdict(load), "duration": duration,
                   "connections": connections}, out)
    done = subprocess.run(["taskset", "-c", LOAD_CPU, sys.executable, "-m", "bench.load",
                           "--spec", spec], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent,
                          timeout=duration + TIMEOUT_SECONDS + 60)
    if done.returncode != 0:
        raise RuntimeError(f"python load generator failed: {done.stderr.strip()}")
    return LoadResult(**json.loads(done.stdout))


class LoadGenerator:
    """wrk or the Python fallback, chosen once per run."""

    def __init__(self, tool: str, workdir: str) -> None:
        self.workdir = workdir
        self.wrk: str | None = None
        if tool in ("auto", "wrk"):
            self.wrk, self.note = ensure_wrk()
            if self.wrk is None and tool == "wrk":
                raise SystemExit(f"bench: {self.note}")
        else:
            self.note = "--tool python was given"
        self.tool = "wrk" if self.wrk else "python"

    @property
    def description(self) -> str:
        if self.wrk:
            version = subprocess.run([self.wrk, "-v"], capture_output=True, text=True)
            first = ((version.stdout or version.stderr).strip().splitlines() or ["wrk"])[0]
            first = first.split(" Copyright")[0]
            return (f"`{first}`, {WRK_THREADS} thread, `--latency`, Lua scripts in "
                    f"bench/lua/ ({self.note})")
        return ("the bounded Python load generator of bench/load.py (aiohttp client, N "
                f"concurrent connections, fixed duration), not wrk: {self.note}. It is "
                "slower than wrk, so the fastest servers (the baselines first) are capped by "
                "the generator and their ratios read higher than with wrk")

    def run(self, base_url: str, load: Load, duration: float, connections: int) -> LoadResult:
        if not base_url.startswith("http://127.0.0.1:"):
            raise ValueError("the bench only loads 127.0.0.1")
        if self.wrk:
            return run_wrk(self.wrk, base_url, load, duration, connections, self.workdir)
        return run_python(base_url, load, duration, connections, self.workdir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the Python load generator (fallback)")
    parser.add_argument("--spec", required=True)
    args = parser.parse_args(argv)
    spec = json.loads(Path(args.spec).read_text("utf-8"))
    result = asyncio.run(_python_load(spec["base_url"], Load(**spec["load"]),
                                      spec["duration"], spec["connections"]))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
