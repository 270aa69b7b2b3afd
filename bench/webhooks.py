"""Webhook delivery: latency from an event's commit to its receipt, and deliveries per
second, beside a plain aiohttp client POSTing to the same receiver.

    python -m bench.webhooks [--events N] [--latency M] [--keep]

A fresh SQLite database in a temporary directory, bootstrapped with the CLI
(bench/harness.py); the service (`python -m service serve`, a free port,
CUSTOM_FIELDS_WEBHOOK_ALLOW_PRIVATE=1, access lines off) pinned to the server CPU; the
receiver (an aiohttp server on 127.0.0.1, a free port, in a thread of this process)
and the requests on the other. One subscription to `field.created`. Phases:

- latency: M fields created one after another, each waiting for its delivery; the
  latency is the receipt time minus the event's `recorded_at` (the clock of the same
  machine, read in the append transaction just before its COMMIT);
- backlog: N fields created before subscribing, then `replay` from the first of them:
  the subscription drains them, deliveries per second from the replay's answer to the
  N-th receipt;
- live: N fields created by 8 concurrent clients while subscribed: the creations per
  second, the deliveries per second, and the latency under that load.

The baseline is the floor of one sequential delivery: a process on the server CPU
POSTing N bodies of the same size, signed the same way, to the same receiver with one
aiohttp ClientSession (keep-alive), each waiting for its answer; its latency is the
receipt time minus the time the client started the request. Figures go to stdout;
nothing is written into docs/.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bench import harness
from bench.harness import Api, Server, free_port, service_env

FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
CLIENTS = 8


def say(text: str) -> None:
    print(f"[bench.webhooks {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def epoch(text: str) -> float:
    return datetime.strptime(text, FORMAT).replace(tzinfo=UTC).timestamp()


class Receiver:
    """An aiohttp server on 127.0.0.1 in a thread of its own: (path, receipt time,
    latency) of every request, the latency from the body's recorded_at (service
    deliveries) or the `x-sent-at` header (the baseline)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, float, float]] = []
        self._counts: dict[str, int] = {}
        self._arrived = threading.Condition()
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "Receiver":
        self._thread.start()
        self._ready.wait(10)
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        now = time.time()
        sent = request.headers.get("x-sent-at")
        began = float(sent) if sent else epoch(json.loads(body)["data"]["recorded_at"])
        with self._arrived:
            self.received.append((request.path, now, now - began))
            self._counts[request.path] = self._counts.get(request.path, 0) + 1
            self._arrived.notify_all()
        return web.Response(text="ok")

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    def at(self, path: str) -> list[tuple[str, float, float]]:
        with self._arrived:
            return [r for r in self.received if r[0] == path]

    def wait(self, path: str, count: int, timeout: float = 300) -> None:
        """Until `count` requests to `path` have arrived (woken by each, no polling)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._counts.get(path, 0) >= count, timeout):
                raise RuntimeError(f"fewer than {count} deliveries to {path}")


def summary(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms (n={len(ms)})"


def create(api: Api, name: str) -> None:
    api.ok("POST", "/api/v1/custom-fields",
           {"name": name, "category": "HRIS", "model": "employee"})


def baseline(url: str, count: int) -> None:
    """The baseline client (run on the server CPU): `count` sequential signed POSTs."""
    import aiohttp

    from service.webhooks import signing

    secret = signing.new_secret()
    body = json.dumps({"type": "field.created", "timestamp": "2026-01-01T00:00:00.000000Z",
                       "data": {"seq": 1, "pad": "x" * 520}}).encode()

    async def run() -> float:
        async with aiohttp.ClientSession() as session:
            started = time.perf_counter()
            for n in range(count):
                headers = {"content-type": "application/json", "x-sent-at": repr(time.time()),
                           **signing.headers(secret, f"msg_{n}", int(time.time()), body)}
                async with session.post(url, data=body, headers=headers,
                                        allow_redirects=False) as response:
                    await response.read()
            return time.perf_counter() - started
    print(json.dumps({"seconds": asyncio.run(run())}))


def run_baseline(receiver: Receiver, count: int) -> tuple[str, float]:
    path = "/baseline"
    done = subprocess.run(["taskset", "-c", harness.SERVER_CPU, sys.executable, "-m",
                           "bench.webhooks", "--baseline-client", receiver.url(path),
                           str(count)], capture_output=True, text=True, cwd=harness.REPO,
                          check=True)
    seconds = json.loads(done.stdout)["seconds"]
    return summary([r[2] for r in receiver.at(path)]), count / seconds


def start_delivering(db: str, workdir: Path) -> Server:
    """The service allowed to deliver to the receiver on 127.0.0.1, without access lines."""
    port = free_port()
    env = {**service_env(), "CUSTOM_FIELDS_WEBHOOK_ALLOW_PRIVATE": "1",
           "CUSTOM_FIELDS_ACCESS_LOG": "false"}
    return Server("service", [sys.executable, "-m", "service", "--db", db, "serve", "--port",
                              str(port)], port, workdir / "service.log", env=env).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000,
                        help="fields of the backlog and live phases (default 1000)")
    parser.add_argument("--latency", type=int, default=200,
                        help="sequential deliveries timed one by one (default 200)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--baseline-client", nargs=2, metavar=("URL", "N"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_client:
        baseline(args.baseline_client[0], int(args.baseline_client[1]))
        return 0

    harness.pin_self_to_load_cpu()
    receiver = Receiver().start()
    n, m = args.events, args.latency
    with harness.service_on_scratch("bench-webhooks-", args.keep, say,
                                    start_delivering) as (_, tenant, service):
        api = Api(service.url, headers=tenant.auth)
        say(f"service on {service.url}, receiver on {receiver.url('/')}")

        say(f"backlog: {n} fields, then a subscription replaying them")
        for i in range(n):
            create(api, f"backlog_{i}")
        events = api.ok("GET", "/api/v1/events?type=FieldCreated&limit=1")["events"]
        hook = api.ok("POST", "/api/v1/webhooks", {"url": receiver.url("/hooks"),
                                                   "events": ["field.created"]})
        started = time.time()
        api.ok("POST", f"/api/v1/webhooks/{hook['id']}/replay",
               {"from_seq": events[0]["seq"]})
        receiver.wait("/hooks", n)
        drained = n / (receiver.at("/hooks")[-1][1] - started)

        say(f"latency: {m} fields, one at a time")
        for i in range(m):
            create(api, f"latency_{i}")
            receiver.wait("/hooks", n + i + 1)
        quiet = summary([r[2] for r in receiver.at("/hooks")[n:n + m]])

        say(f"live: {n} fields from {CLIENTS} clients")
        clients = [Api(service.url, headers=tenant.auth) for _ in range(CLIENTS)]
        began = time.time()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(lambda i: create(clients[i % CLIENTS], f"live_{i}"), range(n)))
        created = n / (time.time() - began)
        receiver.wait("/hooks", 2 * n + m)
        live = receiver.at("/hooks")[n + m:]
        live_rate = n / (live[-1][1] - began)
        loaded = summary([r[2] for r in live])

        say(f"baseline: {n} sequential POSTs from a plain aiohttp client")
        base_latency, base_rate = run_baseline(receiver, n)
        print(f"webhooks on SQLite, one subscription, {n} events "
              f"(service pinned to CPU {harness.SERVER_CPU}, receiver and load on CPU "
              f"{harness.LOAD_CPU}{'' if harness.PINNED_APART else ': the same CPU'})")
        print(f"  latency, one at a time (recorded_at -> received): {quiet}")
        print(f"  backlog drained by a replay: {drained:.0f} deliveries/s")
        print(f"  live: {created:.0f} creations/s from {CLIENTS} clients, "
              f"{live_rate:.0f} deliveries/s, latency {loaded}")
        print(f"  baseline, plain aiohttp POST loop (sent -> received): {base_latency}, "
              f"{base_rate:.0f} POSTs/s")
        print(f"  delivery throughput vs baseline: {drained / base_rate:.2f}x (backlog)")
        for client in (api, *clients):
            client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
