"""Crash safety: SIGKILL the server while writes are in flight, restart it on the same
database, and every write that was answered 2xx is still there.

The server is a real subprocess (`python -m service --db DB serve`, default
synchronous=FULL on SQLite; on PostgreSQL, one replica of the shared database) on
127.0.0.1. Each round: 8 concurrent clients create v1 custom fields
(unique names) and push syncs (unique remote ids); once the first write has been answered,
a seeded random delay of 0.3-0.8 s later the server is killed with SIGKILL. Then, with the
server down, `verify` must report ok (hash chain and projection checksum); the server is
restarted on the same database and every 2xx write of this round and of all the earlier
ones must be visible: the field (GET 200 with its name), its FieldCreated event and, for a
sync, its ConnectorSynced event (by digest) and its rows. Requests that were in flight when
the server died may or may not have landed; only answered ones are checked. Five rounds
accumulate on one database. Clients only ever talk to 127.0.0.1, and each client's loop is
bounded in count and in time.
"""

import asyncio
import json
import random
import signal
import time
from dataclasses import dataclass, field

import aiohttp

from tests.backends import harness_for
from tests.processes import Server, cli_json, run_cli

ORG = "crash"
ROUNDS = 5
WORKERS = 8
MAX_REQUESTS_PER_WORKER = 400   # bound on each client's loop, per round
MAX_ROUND_SECONDS = 10.0        # and on its duration
FIRST_ANSWER_SECONDS = 5.0      # the kill timer starts at the first 2xx of the round
SEED = 20240611
CATEGORY, MODEL = "HRIS", "employee"


@dataclass
class Acknowledged:
    """Writes answered 2xx (all rounds so far)."""
    fields: dict[str, str] = field(default_factory=dict)         # field id -> name
    syncs: dict[str, list[str]] = field(default_factory=dict)    # digest -> remote ids
    in_flight_lost: int = 0                                      # requests cut by the kill


async def _writer(session, base, headers, connector_token, round_no, worker, acked,
                  first_ack: asyncio.Event, deadline: float) -> None:
    for i in range(MAX_REQUESTS_PER_WORKER):
        if time.monotonic() > deadline:
            return
        try:
            if i % 4 == 3:
                remote_ids = [f"r{round_no}-w{worker}-{i}-{k}" for k in range(3)]
                body = {"category": CATEGORY, "model": MODEL,
                        "records": [{"remote_id": rid, "data": {"id": rid, "n": k}}
                                    for k, rid in enumerate(remote_ids)]}
                async with session.post(f"{base}/api/v1/connectors/{connector_token}/sync",
                                        json=body, headers=headers) as response:
                    payload = await response.json()
                    assert response.status == 200, payload
                    acked.syncs[payload["digest"]] = remote_ids
            else:
                name = f"crash_r{round_no}_w{worker}_{i}"
                body = {"name": name, "category": CATEGORY, "model": MODEL, "type": "text"}
                async with session.post(f"{base}/api/v1/custom-fields", json=body,
                                        headers=headers) as response:
                    payload = await response.json()
                    assert response.status == 201, payload
                    acked.fields[payload["id"]] = name
            first_ack.set()
        except (TimeoutError, aiohttp.ClientError, ConnectionError):
            acked.in_flight_lost += 1  # the server died under this request
            return


async def _all_events(session, base, headers) -> list[dict]:
    events, cursor = [], None
    for _ in range(1000):  # bounded pagination
        params = {"type": "FieldCreated,ConnectorSynced", "limit": "200"}
        if cursor:
            params["cursor"] = cursor
        async with session.get(f"{base}/api/v1/events", params=params,
                               headers=headers) as response:
            assert response.status == 200, await response.text()
            page = await response.json()
        events.extend(page["events"])
        cursor = page["next_cursor"]
        if not cursor:
            return events
    raise AssertionError("event pagination did not end")


async def _check_present(session, base, headers, db, acked: Acknowledged) -> None:
    async def get_field(field_id: str) -> tuple[str, int, dict]:
        async with session.get(f"{base}/api/v1/custom-fields/{field_id}",
                               headers=headers) as response:
            return field_id, response.status, await response.json()

    for field_id, status, body in await asyncio.gather(*map(get_field, acked.fields)):
        assert status == 200, (field_id, status, body)
        assert body["name"] == acked.fields[field_id]

    events = await _all_events(session, base, headers)
    created = {e["data"]["field_id"] for e in events if e["type"] == "FieldCreated"}
    synced = {e["data"]["digest"] for e in events if e["type"] == "ConnectorSynced"}
    assert set(acked.fields) <= created, set(acked.fields) - created
    assert set(acked.syncs) <= synced, set(acked.syncs) - synced

    rows = harness_for(db).synced_remote_ids()
    expected = {rid for rids in acked.syncs.values() for rid in rids}
    assert expected <= rows, expected - rows


async def _rounds(db, log_path, headers, connector_token, acked, report, servers, rng,
                  timeout) -> None:
    async with aiohttp.ClientSession(timeout=timeout) as session:
        server = Server(db, log_path)
        servers.append(server)
        await server.wait_ready(session)
        for round_no in range(1, ROUNDS + 1):
            before = (len(acked.fields), len(acked.syncs), acked.in_flight_lost)
            first_ack = asyncio.Event()
            deadline = time.monotonic() + MAX_ROUND_SECONDS
            # Its own pool (at most one connection per client at a time) for the writers.
            async with aiohttp.ClientSession(
                    timeout=timeout, connector=aiohttp.TCPConnector(limit=WORKERS)) as writers:
                tasks = [asyncio.create_task(_writer(writers, server.base, headers,
                                                     connector_token, round_no, worker, acked,
                                                     first_ack, deadline))
                         for worker in range(WORKERS)]
                await asyncio.wait_for(first_ack.wait(), timeout=FIRST_ANSWER_SECONDS)
                await asyncio.sleep(rng.uniform(0.3, 0.8))
                assert any(not task.done() for task in tasks), "nothing in flight at the kill"
                code = server.kill()
                assert code == -signal.SIGKILL, code
                await asyncio.gather(*tasks)

            verified = run_cli(db, "verify")
            assert verified.returncode == 0, (verified.stdout, verified.stderr)
            assert json.loads(verified.stdout)["ok"] is True, verified.stdout

            server = Server(db, log_path)
            servers.append(server)
            await server.wait_ready(session)
            await _check_present(session, server.base, headers, db, acked)
            report.append((round_no, len(acked.fields) - before[0],
                           len(acked.syncs) - before[1], acked.in_flight_lost - before[2]))
        assert server.stop() == 0, "the server did not exit cleanly on SIGTERM"


async def test_acknowledged_writes_survive_sigkill(tmp_path, backend):
    rng = random.Random(SEED)
    db = backend.db
    log_path = str(tmp_path / "server.log")
    cli_json(db, "org", "create", "--slug", ORG, "--name", "Crash Test")
    key = cli_json(db, "key", "create", "--org", ORG)["key"]
    cli_json(db, "integration", "enable", "--org", ORG, "workday")
    connector_token = cli_json(db, "connector", "create", "--org", ORG,
                                "--integration", "workday")["connector_token"]
    headers = {"Authorization": f"Bearer {key}"}
    acked = Acknowledged()
    report = []

    timeout = aiohttp.ClientTimeout(total=10)
    servers: list[Server] = []
    try:
        await _rounds(db, log_path, headers, connector_token, acked, report, servers, rng,
                      timeout)
    finally:
        for server in servers:
            server.cleanup()

    verified = run_cli(db, "verify")
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True, verified
    with open(log_path) as log:
        assert "Traceback" not in log.read()
    for round_no, new_fields, new_syncs, cut in report:
        assert new_fields + new_syncs > 0 and cut > 0
        print(f"round {round_no}: {new_fields} fields + {new_syncs} syncs answered 2xx, "
              f"all present after SIGKILL and restart; {cut} requests cut by the kill")
    print(f"in total {len(acked.fields)} fields, {len(acked.syncs)} syncs checked; "
          f"{acked.in_flight_lost} requests cut by the kills")
