"""`custom-fields serve` from start to stop, in subprocesses on 127.0.0.1.

Start: "Serving on http://HOST:PORT" (stderr) and the demo banner (stdout) appear only
once the port is bound; an address that cannot be listened on (a port in use, out of
range, a host that is not an address) is one line on stderr and exit 1, with no banner.

Stop: the signal matrix {SIGINT, SIGTERM} x {once, twice within 1 ms} x {to the process,
to its process group} x {idle with a keep-alive connection, under write load}, and two
bursts (SIGINT and SIGTERM in turn every 3 ms, from the first signal until the process
has exited, so signals land in every phase of cleanup and after it). Every
cell runs its own server on a copy of one bootstrapped database; the cells run a few at
a time in one module fixture (a shared setup), and each is then judged by its own test:
the process exits with 0 within 5 s of the first signal, without a traceback, the port
is free, every write answered 2xx is in `custom-fields events`, and `custom-fields
verify` reports ok.

Settings: the access log is on by default and `CUSTOM_FIELDS_ACCESS_LOG=false` turns it
off; `bench.serve --access-log-level WARNING` still does; `CUSTOM_FIELDS_LOG_LEVEL`
sets the level of the other lines.
"""

import asyncio
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

import aiohttp
import pytest

from tests.processes import HOST, ROOT, clean_env, cli_json, free_port, run_cli

EXIT_WITHIN = 5.0         # seconds from the first signal to the process's exit
READY_WITHIN = 30.0       # seconds for a server to say it serves
TWICE_GAP = 0.001         # seconds between the two signals of "twice"
BURST_GAP = 0.003         # seconds between the signals of a burst
WORKERS = 4               # concurrent writing clients under load
ACKS_BEFORE_SIGNAL = 24   # 2xx answers before the signal is sent under load
MAX_REQUESTS = 2000       # bound on each writer's loop
MAX_LOAD_SECONDS = 20.0   # and on its duration
PARALLEL_CELLS = 4        # cells of the matrix running at once


class Server:
    """One `serve` subprocess in a session (process group) of its own; stdout and
    stderr go to files, read back by `out` and `err`."""

    def __init__(self, db: str, directory: str, *extra: str, port: int | None = None,
                 env: dict[str, str] | None = None, command: list[str] | None = None
                 ) -> None:
        self.port = port or free_port()
        self.base = f"http://{HOST}:{self.port}"
        self._out_path = os.path.join(directory, f"serve-{self.port}.out")
        self._err_path = os.path.join(directory, f"serve-{self.port}.err")
        args = command or [sys.executable, "-m", "service"]
        with open(self._out_path, "w") as out, open(self._err_path, "w") as err:
            self.process = subprocess.Popen(
                [*args, "--db", db, "serve", "--host", HOST, "--port", str(self.port),
                 *extra],
                cwd=ROOT, env={**clean_env(), **(env or {})}, stdout=out, stderr=err,
                start_new_session=True)

    @property
    def out(self) -> str:
        with open(self._out_path) as fh:
            return fh.read()

    @property
    def err(self) -> str:
        with open(self._err_path) as fh:
            return fh.read()

    def serving(self) -> bool:
        return f"Serving on {self.base}" in self.out + self.err

    async def wait_serving(self) -> None:
        deadline = time.monotonic() + READY_WITHIN
        while not self.serving():
            assert self.process.poll() is None, (self.process.returncode, self.err)
            assert time.monotonic() < deadline, "no 'Serving on' line in time"
            await asyncio.sleep(0.01)

    def send(self, sig: signal.Signals, *, group: bool) -> None:
        if group:
            os.killpg(self.process.pid, sig)  # the session leader's pid is its group id
        else:
            os.kill(self.process.pid, sig)

    async def burst(self, first: signal.Signals, *, group: bool, timeout: float
                    ) -> tuple[int | None, int]:
        """`first`, then the other stop signal, in turn every BURST_GAP seconds until the
        process has exited (or `timeout`): its exit status and the signals sent."""
        other = signal.SIGINT if first == signal.SIGTERM else signal.SIGTERM
        deadline = time.monotonic() + timeout
        sent = 0
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                self.send(first if sent % 2 == 0 else other, group=group)
            except ProcessLookupError:  # exited (and its group is gone) in between
                break
            sent += 1
            await asyncio.sleep(BURST_GAP)
        return await self.wait_exit(max(0.0, deadline - time.monotonic())), sent

    async def wait_exit(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return self.process.poll()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=EXIT_WITHIN)

    def cleanup(self) -> None:
        """Never leave a server (or anything in its group) behind."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.cleanup()


# --- start ------------------------------------------------------------------------------

async def test_serving_on_is_printed_once_the_port_is_bound(tmp_path, servers):
    server = Server(str(tmp_path / "s.db"), str(tmp_path))
    servers.append(server)
    await server.wait_serving()
    # no retry: the line promises the port is bound (and the app set up)
    with socket.create_connection((HOST, server.port), timeout=5):
        pass
    async with aiohttp.ClientSession() as session:
        async with session.get(server.base + "/readyz") as response:
            assert response.status == 200
    assert server.out == ""
    assert server.stop() == 0


async def test_the_demo_banner_is_printed_once_the_port_is_bound(tmp_path, servers):
    server = Server(str(tmp_path / "demo.db"), str(tmp_path), "--demo")
    servers.append(server)
    await server.wait_serving()
    banner = server.out
    with socket.create_connection((HOST, server.port), timeout=5):
        pass
    assert banner.startswith("Custom Fields Service: demo organization ready"), banner
    assert f"Serving on {server.base} (Ctrl-C stops)" in banner
    [key] = [line.split()[-1] for line in banner.splitlines() if line.strip().startswith("API key")]
    async with aiohttp.ClientSession() as session:
        async with session.get(server.base + "/api/v1/lookup/integrations",
                               params={"category": "HRIS"},
                               headers={"Authorization": f"Bearer {key}"}) as response:
            assert response.status == 200
    assert server.stop() == 0


def _refused(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stdout == "", "no banner"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("custom-fields: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_a_port_in_use_is_one_line_and_exit_1_with_no_banner(tmp_path):
    db = str(tmp_path / "busy.db")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(db, "serve", "--demo", "--host", HOST, "--port", str(port))
    _refused(result, f"{HOST}:{port}", "in use")
    assert run_cli(db, "events").stdout == "", "the demo was not seeded"


@pytest.mark.parametrize("args, fragments", [
    (["--port", "99999"], ["--port", "99999"]),
    (["--port", "0"], ["--port", "0"]),
    (["--port", "-1"], ["--port", "-1"]),
    (["--host", "999.1.1.1"], ["--host", "999.1.1.1"]),
])
def test_an_address_that_cannot_be_listened_on_is_one_line_and_exit_1(tmp_path, args,
                                                                       fragments):
    port = ["--port", str(free_port())] if "--port" not in args else []
    host = ["--host", HOST] if "--host" not in args else []
    _refused(run_cli(str(tmp_path / "x.db"), "serve", "--demo", *host, *port, *args),
             *fragments)


def test_a_port_out_of_range_in_the_environment_names_the_variable(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "service", "--db", str(tmp_path / "x.db"), "serve"],
        cwd=ROOT, env={**clean_env(), "CUSTOM_FIELDS_PORT": "70000"}, capture_output=True,
        text=True, timeout=60)
    _refused(result, "CUSTOM_FIELDS_PORT", "70000")


# --- settings: log level and access log -------------------------------------------------

async def _serve_a_few_requests(server: Server) -> None:
    await server.wait_serving()
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.get(server.base + "/healthz") as response:
                assert response.status == 200
    assert server.stop() == 0


def _access_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("route") is not None]


@pytest.mark.parametrize("env, access_lines, info_lines", [
    ({}, True, True),
    ({"CUSTOM_FIELDS_ACCESS_LOG": "false"}, False, True),
    ({"CUSTOM_FIELDS_LOG_LEVEL": "warning"}, True, False),
    ({"CUSTOM_FIELDS_LOG_LEVEL": "WARNING", "CUSTOM_FIELDS_ACCESS_LOG": "0"}, False, False),
], ids=["default", "access-false", "level-warning", "both-off"])
async def test_the_access_log_and_the_log_level_are_settings(tmp_path, servers, env,
                                                             access_lines, info_lines):
    server = Server(str(tmp_path / "log.db"), str(tmp_path), env=env)
    servers.append(server)
    await _serve_a_few_requests(server)
    err = server.err
    lines = _access_lines(err)
    if access_lines:
        assert [line["path"] for line in lines] == ["/healthz"] * 3, err
        assert {"request_id", "method", "path", "route", "status", "ms", "org"} <= set(lines[0])
    else:
        assert lines == [], err
    assert ("SIGTERM received: stopping" in err) is info_lines, err


async def test_bench_serve_still_turns_the_access_log_off_through_the_logger(tmp_path,
                                                                             servers):
    server = Server(str(tmp_path / "bench.db"), str(tmp_path), command=[
        sys.executable, "-m", "bench.serve", "--access-log-level", "WARNING", "--"])
    servers.append(server)
    await _serve_a_few_requests(server)
    assert _access_lines(server.err) == [], server.err


@pytest.mark.parametrize("variable, value, fragment", [
    ("CUSTOM_FIELDS_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("CUSTOM_FIELDS_ACCESS_LOG", "off-ish", "true or false"),
    ("CUSTOM_FIELDS_MAX_PAGE_SIZE", "lots", "an integer"),
])
def test_a_bad_setting_is_refused_before_serving(tmp_path, variable, value, fragment):
    result = subprocess.run(
        [sys.executable, "-m", "service", "--db", str(tmp_path / "x.db"), "serve",
         "--port", str(free_port())],
        cwd=ROOT, env={**clean_env(), variable: value}, capture_output=True, text=True,
        timeout=60)
    _refused(result, variable, repr(value), fragment)
    assert not (tmp_path / "x.db").exists()


# --- stop: the signal matrix ------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    sig: signal.Signals
    pattern: str  # once, twice or burst
    group: bool
    load: bool

    @property
    def id(self) -> str:
        return "-".join([self.sig.name, self.pattern, "group" if self.group else "process",
                         "load" if self.load else "idle"])


CELLS = [Cell(sig, pattern, group, load) for sig, pattern, group, load in itertools.product(
    (signal.SIGINT, signal.SIGTERM), ("once", "twice"), (False, True), (False, True))] + [
    Cell(signal.SIGINT, "burst", group=False, load=True),
    Cell(signal.SIGTERM, "burst", group=True, load=True)]


@dataclass
class Outcome:
    returncode: int | None = None
    exit_seconds: float = float("inf")
    stderr: str = ""
    port_free: bool = False
    in_flight_at_signal: int = 0
    signals_sent: int = 0
    fields: set[str] = field(default_factory=set)       # ids answered 201
    connectors: set[str] = field(default_factory=set)   # ids answered 201
    logged_fields: set[str] = field(default_factory=set)
    logged_connectors: set[str] = field(default_factory=set)
    verify: dict = field(default_factory=dict)
    error: str | None = None


@dataclass
class Tenant:
    db: str
    headers: dict[str, str]


async def _writer(session: aiohttp.ClientSession, base: str, headers: dict[str, str],
                  name: str, outcome: Outcome, stop: asyncio.Event) -> None:
    deadline = time.monotonic() + MAX_LOAD_SECONDS
    for i in range(MAX_REQUESTS):
        if time.monotonic() > deadline or stop.is_set():
            return
        try:
            if i % 3 == 2:
                async with session.post(f"{base}/api/v1/connectors", headers=headers, json={
                        "integration_slug": "workday", "name": f"{name} {i}"}) as response:
                    body = await response.json()
                    if response.status == 201:
                        outcome.connectors.add(body["id"])
            else:
                async with session.post(f"{base}/api/v1/custom-fields", headers=headers, json={
                        "name": f"{name}_{i}", "category": "HRIS", "model": "employee",
                        "type": "text"}) as response:
                    body = await response.json()
                    if response.status == 201:
                        outcome.fields.add(body["id"])
        except (aiohttp.ClientError, ConnectionError, TimeoutError, json.JSONDecodeError):
            return  # the server stopped under this request (or before it)


async def _run_cell(cell: Cell, tenant: Tenant, directory: str) -> Outcome:
    outcome = Outcome()
    db = os.path.join(directory, cell.id + ".db")
    shutil.copy(tenant.db, db)
    server = Server(db, directory)
    try:
        await server.wait_serving()
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=WORKERS)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            stop = asyncio.Event()
            tasks = []
            if cell.load:
                tasks = [asyncio.create_task(_writer(session, server.base, tenant.headers,
                                                     f"w{n}", outcome, stop))
                         for n in range(WORKERS)]
                deadline = time.monotonic() + MAX_LOAD_SECONDS
                while len(outcome.fields) + len(outcome.connectors) < ACKS_BEFORE_SIGNAL:
                    assert time.monotonic() < deadline, "too few writes answered"
                    assert any(not t.done() for t in tasks), "every writer stopped early"
                    await asyncio.sleep(0.005)
                outcome.in_flight_at_signal = sum(not t.done() for t in tasks)
            else:  # idle, with a keep-alive connection left open
                async with session.get(server.base + "/healthz") as response:
                    assert response.status == 200
            signalled = time.monotonic()
            if cell.pattern == "burst":
                outcome.returncode, outcome.signals_sent = await server.burst(
                    cell.sig, group=cell.group, timeout=EXIT_WITHIN)
            else:
                server.send(cell.sig, group=cell.group)
                outcome.signals_sent = 1
                if cell.pattern == "twice":
                    time.sleep(TWICE_GAP)
                    server.send(cell.sig, group=cell.group)
                    outcome.signals_sent = 2
                outcome.returncode = await server.wait_exit(EXIT_WITHIN)
            outcome.exit_seconds = time.monotonic() - signalled
            stop.set()
            await asyncio.gather(*tasks)
        if outcome.returncode is None:
            return outcome
        outcome.port_free = _port_is_free(server.port)
        outcome.stderr = server.err
        events, verify = await asyncio.gather(asyncio.to_thread(run_cli, db, "events"),
                                              asyncio.to_thread(run_cli, db, "verify"))
        assert events.returncode == 0, events.stderr
        for line in events.stdout.splitlines():
            event = json.loads(line)
            if event["type"] == "FieldCreated":
                outcome.logged_fields.add(event["data"]["field_id"])
            elif event["type"] == "ConnectorCreated":
                outcome.logged_connectors.add(event["data"]["connector_id"])
        outcome.verify = json.loads(verify.stdout) if verify.stdout else {"ok": None,
                                                                          "stderr": verify.stderr}
    except Exception as exc:  # reported by the cell's own test
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        if not outcome.stderr:
            outcome.stderr = server.err
        server.cleanup()
    return outcome


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> dict[str, Outcome]:
    directory = str(tmp_path_factory.mktemp("signals"))
    db = os.path.join(directory, "tenant.db")
    cli_json(db, "org", "create", "--slug", "signals", "--name", "Signals")
    key = cli_json(db, "key", "create", "--org", "signals")["key"]
    cli_json(db, "integration", "enable", "--org", "signals", "workday")
    tenant = Tenant(db, {"Authorization": f"Bearer {key}"})

    async def run_all() -> dict[str, Outcome]:
        limit = asyncio.Semaphore(PARALLEL_CELLS)

        async def one(cell: Cell) -> Outcome:
            async with limit:
                return await _run_cell(cell, tenant, directory)
        outcomes = await asyncio.gather(*map(one, CELLS))
        return {cell.id: outcome for cell, outcome in zip(CELLS, outcomes)}

    started = time.monotonic()
    outcomes = asyncio.run(run_all())
    elapsed = time.monotonic() - started
    slowest = max(o.exit_seconds for o in outcomes.values())
    print(f"\nsignal matrix: {len(CELLS)} cells in {elapsed:.1f}s, slowest exit "
          f"{slowest:.2f}s after the first signal")
    for cell_id, o in outcomes.items():
        print(f"  {cell_id:28} exit {o.returncode} after {o.exit_seconds:.2f}s, "
              f"{o.signals_sent} signal(s), {len(o.fields) + len(o.connectors)} writes "
              f"answered")
    return outcomes


@pytest.mark.parametrize("cell", CELLS, ids=[cell.id for cell in CELLS])
def test_a_stop_signal_shuts_the_server_down_cleanly(matrix, cell):
    outcome = matrix[cell.id]
    assert outcome.error is None, (outcome.error, outcome.stderr)
    assert outcome.returncode == 0, (outcome.returncode, outcome.exit_seconds, outcome.stderr)
    assert outcome.exit_seconds < EXIT_WITHIN
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert "still running" not in outcome.stderr, outcome.stderr
    assert f"{cell.sig.name} received: stopping" in outcome.stderr
    assert outcome.port_free
    if cell.pattern == "burst":
        assert outcome.signals_sent >= 3, "signals landed during the shutdown"
    if cell.load:
        assert outcome.in_flight_at_signal > 0, "writes were in flight at the signal"
        assert len(outcome.fields) + len(outcome.connectors) >= ACKS_BEFORE_SIGNAL
    assert outcome.fields <= outcome.logged_fields, outcome.fields - outcome.logged_fields
    assert outcome.connectors <= outcome.logged_connectors, (
        outcome.connectors - outcome.logged_connectors)
    assert outcome.verify.get("ok") is True, outcome.verify
