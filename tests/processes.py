"""Helpers for tests that run the CLI or the server as subprocesses."""

import json
import os
import socket
import subprocess
import sys

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
