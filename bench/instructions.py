"""Instructions per request, counted by callgrind: a figure that does not move with the
machine's load, for comparing two versions of the code.

    python -m bench.instructions [--requests 100] [--out DIR]

runs itself under `valgrind --tool=callgrind` (installed with apt when missing) and
prints one JSON line: instructions per request for each workload, counted over
`--requests` sequential requests after 20 warm-up ones (sequential, so no group commit
and no timing-dependent batching: the same code gives the same count). The app runs in
process, on a fresh SQLite file with `synchronous=FULL`, bootstrapped with the CLI; the
HTTP client runs in the same process, so its cost (the same for every version) is in
the counts. Run it in two checkouts to compare them; wall-clock figures stay
`make bench`'s.
"""

import argparse
import asyncio
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bench.harness import REPO

WARM_UP = 20


def _cli(db: str, *args: str) -> Any:
    done = subprocess.run([sys.executable, "-m", "service", "--db", db, *args],
                          capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(done.stdout)


def _callgrind(*args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(os.getpid())], capture_output=True,
                   check=False)


async def _workloads(requests: int) -> None:
    from service.app import create_app
    from service.settings import Settings

    db = os.path.join(tempfile.mkdtemp(prefix="bench-instructions-"), "i.db")
    _cli(db, "org", "create", "--slug", "cpu", "--name", "CPU")
    _cli(db, "integration", "enable", "--org", "cpu", "workday", "hubspot")
    key = _cli(db, "key", "create", "--org", "cpu")["key"]
    token = _cli(db, "connector", "create", "--org", "cpu", "--integration",
                 "workday")["connector_token"]
    server = TestServer(create_app(Settings(db=db, synchronous="FULL")))
    await server.start_server()
    base, v1 = f"http://127.0.0.1:{server.port}", {"Authorization": f"Bearer {key}"}
    persons = {**v1, "organizationSlug": "cpu"}
    async with ClientSession() as session:
        async def call(method: str, path: str, body: Any = None, headers=v1) -> Any:
            async with session.request(method, base + path, json=body,
                                       headers=headers) as response:
                text = await response.text()
                assert response.status < 300, (path, response.status, text)
                return json.loads(text) if text else None

        async def field(name: str, model: str = "employee") -> str:
            return (await call("POST", "/api/v1/custom-fields",
                               {"name": name, "category": "HRIS", "model": model}))["id"]

        for i in range(50):  # 50 fields on HRIS/employee, each mapped
            await call("POST", "/api/v1/custom-fields/mapping", {
                "custom_field_id": await field(f"f_{i}"), "integration_slug": "workday",
                "json_path": f"custom.f_{i}"})
        stage = (await call("POST", "/custom-fields", {"name": "Stage", "type": "multiselect"},
                            persons))["id"]
        unmapped = [await field(f"d_{i}", "department") for i in range(requests + WARM_UP)]
        scope = f"connector_token={token}&category=HRIS&model=employee"
        workloads: dict[str, Callable[[int], Awaitable[Any]]] = {
            "list_fields": lambda i: call("GET", "/api/v1/custom-fields?limit=100"),
            "configuration": lambda i: call("GET", f"/api/v1/custom-fields/configuration?{scope}"),
            "preview": lambda i: call("POST", "/api/v1/custom-fields/preview", {
                "category": "HRIS", "model": "employee", "json_path": "employee.custom.badge",
                "raw_data": {"employee": {"custom": {"badge": i}}}}),
            "create_field": lambda i: call("POST", "/api/v1/custom-fields", {
                "name": f"x_{i + WARM_UP}", "category": "CRM", "model": "person"}),
            "add_option": lambda i: call("POST", f"/custom-fields/{stage}/options",
                                         {"value": f"v{i}"}, persons),
            "create_mapping": lambda i: call("POST", "/api/v1/custom-fields/mapping", {
                "custom_field_id": unmapped[i + WARM_UP], "integration_slug": "workday",
                "json_path": "a.b"}),
            "sync_10_rows": lambda i: call("POST", f"/api/v1/connectors/{token}/sync", {
                "category": "HRIS", "model": "employee", "records": [
                    {"remote_id": f"r{i}-{k}", "data": {"custom": {"f_1": k}}}
                    for k in range(10)]}),
        }
        for name, make in workloads.items():
            for i in range(-WARM_UP, 0):
                await make(i)
            _callgrind("-z")
            for i in range(requests):
                await make(i)
            _callgrind("-d", name)
    await server.close()


def _counts(prefix: str, requests: int) -> dict[str, int]:
    counts = {}
    for path in sorted(glob.glob(f"{prefix}.*")):
        text = open(path, encoding="utf-8").read()
        name = re.search(r"^desc: Trigger: dump (\w+)", text, re.M)
        total = re.search(r"^summary: (\d+)", text, re.M)
        if name and total:
            counts[name.group(1)] = int(total.group(1)) // requests
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--out", help="keep callgrind's files here (default: a temp dir)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        asyncio.run(_workloads(args.requests))
        return 0
    if shutil.which("valgrind") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "valgrind"], check=True,
                       capture_output=True)
    out = args.out or tempfile.mkdtemp(prefix="bench-callgrind-")
    prefix = os.path.join(out, "callgrind")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={prefix}.%p",
                    "--trace-children=no", sys.executable, "-m", "bench.instructions",
                    "--inside", "--requests", str(args.requests)],
                   cwd=REPO, check=True, capture_output=True)
    print(json.dumps({"instructions_per_request": _counts(prefix, args.requests),
                      "requests": args.requests}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
