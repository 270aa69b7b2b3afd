"""The processes of a bench run: servers pinned to their CPU, readiness, RSS, the
`custom-fields` CLI, and a small keep-alive HTTP client for setup requests.

Servers (the service and the baselines) run under `taskset -c SERVER_CPU`; the bench
itself and its load generator stay on LOAD_CPU. With a single CPU both are CPU 0, and
the report says so.
"""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
_CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPU = str(_CPUS[0])
LOAD_CPU = str(_CPUS[1] if len(_CPUS) > 1 else _CPUS[0])
PINNED_APART = SERVER_CPU != LOAD_CPU


def pin_self_to_load_cpu() -> None:
    """The bench process (setup requests, timing loops) shares the load generator's CPU."""
    os.sched_setaffinity(0, {int(LOAD_CPU)})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOM_FIELDS_")}
    env["CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND"] = "0"
    return env


def cli(db: str, *args: str, timeout: float = 600) -> Any:
    """Run `python -m service --db DB ARGS...` (on the server CPU); its JSON output."""
    done = subprocess.run(["taskset", "-c", SERVER_CPU, sys.executable, "-m", "service",
                           "--db", db, *args], capture_output=True, text=True, cwd=REPO,
                          env=service_env(), timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"custom-fields {' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


class Server:
    """A server process pinned to the server CPU, its stdout and stderr in a log file."""

    def __init__(self, name: str, argv: list[str], port: int, log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name, self.argv, self.port, self.log_path = name, argv, port, log_path
        self.env = env or dict(os.environ)
        self.process: subprocess.Popen | None = None
        self.ready_after: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, ready_timeout: float = 120) -> "Server":
        log = open(self.log_path, "ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(["taskset", "-c", SERVER_CPU, *self.argv], cwd=REPO,
                                        stdout=log, stderr=log, env=self.env)
        log.close()
        deadline = started + ready_timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; "
                                   f"see {self.log_path}:\n{self.log_tail()}")
            try:
                status, _ = Api(self.url).request("GET", "/readyz")
                if status == 200:
                    self.ready_after = time.perf_counter() - started
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} was not ready after {ready_timeout} s")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    def memory_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak RSS) of the process, in kB, from /proc/PID/status."""
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values

    def stop(self, timeout: float = 20) -> None:
        """SIGINT (aiohttp shuts down cleanly, a profile gets written), then SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Api:
    """A keep-alive HTTP/1.1 client for setup and timed sequential requests."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None,
                 timeout: float = 120) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = headers or {}
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON body or text). `body` is sent as is when a str, else as JSON."""
        status, raw = self.request_bytes(method, path, body, headers)
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def request_bytes(self, method: str, path: str, body: Any = None,
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """(status, the body's bytes as read)."""
        payload = None
        sent = {**self.headers, **(headers or {})}
        if body is not None:
            payload = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
            sent.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.timeout)
            try:
                self._conn.request(method, path, body=payload, headers=sent)
                response = self._conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        return response.status, raw

    def ok(self, method: str, path: str, body: Any = None,
           headers: dict[str, str] | None = None) -> Any:
        status, answer = self.request(method, path, body, headers)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path} answered {status}: {str(answer)[:500]}")
        return answer

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class Tenant:
    """The bench organization in a service database: its key, slug and connector."""

    db: str
    org_slug: str
    key: str
    connector_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def bootstrap(db: str, slug: str = "bench") -> Tenant:
    """The CLI steps of a fresh database: organization, key, integrations, connector."""
    cli(db, "org", "create", "--slug", slug, "--name", slug.title())
    key = cli(db, "key", "create", "--org", slug)["key"]
    cli(db, "integration", "enable", "--org", slug, "workday", "hubspot")
    connector = cli(db, "connector", "create", "--org", slug, "--integration", "workday")
    return Tenant(db, slug, key, connector["connector_token"])


def service_server(name: str, db: str, port: int, log_path: Path, *,
                   log_level: str | None = None, profile: Path | None = None) -> Server:
    """The service as `python -m service --db DB serve --port P`; through bench.serve
    when the access log is switched off or the server is profiled."""
    if log_level is None and profile is None:
        argv = [sys.executable, "-m", "service", "--db", db, "serve", "--port", str(port)]
    else:
        argv = [sys.executable, "-m", "bench.serve"]
        if log_level:
            argv += ["--access-log-level", log_level]
        if profile:
            argv += ["--profile", str(profile)]
        argv += ["--", "--db", db, "serve", "--port", str(port)]
    return Server(name, argv, port, log_path, env=service_env())


@contextlib.contextmanager
def service_on_scratch(prefix: str, keep: bool, say: Callable[[str], None],
                       start: Callable[[str, Path], Server] | None = None
                       ) -> Iterator[tuple[Path, Tenant, Server]]:
    """A fresh SQLite database in a temporary directory, bootstrapped (`bootstrap`), and
    the service started on it (by `start(db, workdir)`; by default `service_server`
    logging into the directory): (directory, tenant, server). The server is stopped and
    the directory removed at the end, unless `keep`."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    db = str(workdir / "service.sqlite")
    say(f"workdir {workdir}")
    service = None
    try:
        tenant = bootstrap(db)
        service = (start(db, workdir) if start is not None else service_server(
            "service", db, free_port(), workdir / "service.log").start())
        yield workdir, tenant, service
    finally:
        if service is not None:
            service.stop()
        if keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
