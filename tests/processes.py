"""Helpers for tests that run the CLI or the server as subprocesses."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import aiohttp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"


def clean_env() -> dict[str, str]:
    """This environment without any CUSTOM_FIELDS_* setting, so a test sees the defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CUSTOM_FIELDS_")}


def run_cli(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service", "--db", db, *args], cwd=ROOT,
                          env=clean_env(), capture_output=True, text=True, timeout=60)


def cli_json(db: str, *args: str) -> dict:
    result = run_cli(db, *args)
    assert result.returncode == 0, (args, result.stderr)
    return json.loads(result.stdout)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """One `serve` subprocess; its output goes to a log file next to the database."""

    def __init__(self, db: str, log_path: str, env: dict[str, str] | None = None,
                 args: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "--db", db, "serve", "--host", HOST,
             "--port", str(self.port), *args],
            cwd=ROOT, env={**clean_env(), **(env or {})}, stdout=self._log,
            stderr=subprocess.STDOUT)

    async def wait_ready(self, session: aiohttp.ClientSession, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited with {self.process.returncode}"
            try:
                async with session.get(self.base + "/readyz") as response:
                    if response.status == 200:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("server not ready in time")

    def kill(self) -> int:
        self.process.send_signal(signal.SIGKILL)
        code = self.process.wait(timeout=15)
        self._log.close()
        return code

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -999
        finally:
            self._log.close()

    def cleanup(self) -> None:
        """After a failed assertion: never leave a server behind."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
