"""The dashboard's browser tests' means: a real server subprocess with the demo
organization, and a real headless Chromium (Debian's `chromium`, which `make test`
installs) driven by Playwright, through the accessible names of the pages.

Every page's test takes a screenshot; they go to a temporary directory, or to the one
`CUSTOM_FIELDS_SCREENSHOTS` names (`CUSTOM_FIELDS_SCREENSHOTS=docs/dashboard make test`
refreshes the pictures docs/DASHBOARD.md shows).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.processes import HOST, ROOT, clean_env, free_port

CHROMIUM = os.environ.get("CUSTOM_FIELDS_CHROMIUM") or shutil.which("chromium") or \
    "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("CUSTOM_FIELDS_SCREENSHOTS")
                   or os.path.join(tempfile.gettempdir(), "custom-fields-screenshots"))
VIEWPORT = {"width": 1280, "height": 800}
# What Chromium needs on a closed network, as root, without a display.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@dataclass
class Demo:
    """A served demo organization: where it is, its key and its Workday connector."""

    base: str
    key: str
    connector_token: str
    db: str
    process: subprocess.Popen
    log: Any  # the server's output file

    def api(self, method: str, path: str, body: Any = None, key: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """A call to the API as the demo key: (status, parsed body or None)."""
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key or self.key}",
                     "Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as exc:
            text = exc.read().decode()
            return exc.code, json.loads(text) if text else None

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        status, answer = self.api(method, path, body, **kwargs)
        assert 200 <= status < 300, (method, path, status, answer)
        return answer

    def cli(self, *args: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "service", "--db", self.db, *args],
                              cwd=ROOT, env=clean_env(), capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def serve_demo(directory: str) -> Demo:
    """`custom-fields serve --demo` on a free port; returns once it serves."""
    db, port = os.path.join(directory, "dashboard.db"), free_port()
    out = open(os.path.join(directory, "serve.out"), "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--db", db, "serve", "--demo", "--port", str(port)],
        cwd=ROOT, env={**clean_env(), "CUSTOM_FIELDS_ACCESS_LOG": "false"}, stdout=out,
        stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        out.seek(0)
        text = out.read()
        if "Serving on" in text:
            key = re.search(r"API key\s+(\S+)", text).group(1)
            token = re.search(r"connector token\s+(\S+)", text).group(1)
            return Demo(f"http://{HOST}:{port}", key, token, db, process, out)
        if process.poll() is not None:
            out.close()
            raise RuntimeError(f"the server exited: {text}")
        time.sleep(0.1)
    process.kill()
    process.wait()
    out.close()
    raise RuntimeError("the server did not start")


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"no Chromium at {CHROMIUM}: install Debian's chromium package "
                           "(make test does, as root), or set CUSTOM_FIELDS_CHROMIUM")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def sign_in(page, demo: Demo, key: str | None = None) -> None:
    page.goto(demo.base + "/dashboard/login")
    page.get_by_label("API key").fill(key or demo.key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(demo.base + "/dashboard/")


def screenshot(page, name: str) -> None:
    directory = SCREENSHOTS if SCREENSHOTS.is_absolute() else Path(ROOT) / SCREENSHOTS
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
