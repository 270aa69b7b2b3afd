"""The baseline apps every HTTP figure is divided by.

- `json` (a): a minimal aiohttp app answering one constant, pre-serialized small JSON
  body to the GET and POST routes the loads use, declared as plain `add_get` /
  `add_post` routes (no catch-all pattern; a POST body is read, not parsed), on the
  event loop the service runs on. The reference for the read path and for preview.
- `sqlite`: a minimal aiohttp app that inserts one row (the request body) into SQLite per
  POST and commits it before answering, with the service's durability settings: WAL and
  the `synchronous` level of `service.settings.Settings` (FULL unless
  CUSTOM_FIELDS_SYNCHRONOUS says otherwise). The reference for the write path.
- `postgres` (b-pg): (b) on PostgreSQL, for `python -m bench.postgres`: one INSERT of the
  request body per POST through one psycopg 3 connection (the service's driver) in
  autocommit mode, so each INSERT is its own transaction and COMMIT, answered after it;
  `--db` is the server's URL (its search_path chooses the schema).

Run one with `python -m bench.baselines json|sqlite|postgres --port P [--db PATH|URL]`;
they answer GET /readyz with 200 once they are listening.

Figures that are not request rates are divided by a reference computed the plain way,
also here (each prints {"count", "seconds"} as JSON):
- `scan --db PATH`: read every row of the event log and parse its data and metadata
  JSON: the floor under `custom-fields rebuild`.
- `scan_hash --db PATH`: the same, plus sha256 over the bytes each row's hash covers:
  the floor under `custom-fields verify`.
- `values --records N`: parse N synced records and evaluate the 50 mappings of the values
  workload on each with the jmespath library's compiled expressions: the naive cost of
  the work behind paging through the values, without HTTP.
"""

import argparse
import hashlib
import json
import os
import sqlite3
import tempfile
import time

import jmespath
from aiohttp import web

from bench import data
from service.settings import Settings

FIXED = {"status": "ok", "items": [], "next_cursor": None}
FIXED_BODY = json.dumps(FIXED, separators=(",", ":")).encode()
# the routes the loads send requests to (bench/workloads.py), as the service declares
# them: plain resources, the variable segments as aiohttp matches them, no catch-all
GET_ROUTES = ("/readyz", "/api/v1/custom-fields", "/api/v1/custom-fields/configuration",
              "/api/v1/custom-fields/values", "/api/v1/custom-fields/raw-data")
POST_ROUTES = ("/api/v1/custom-fields", "/api/v1/custom-fields/mapping",
               "/api/v1/custom-fields/preview", "/custom-fields/{field_id}/options",
               "/api/v1/custom-fields/{field_id}/options",
               "/api/v1/connectors/{connector_token}/sync")


def json_app() -> web.Application:
    """Baseline (a): one constant, pre-serialized body for every GET and POST route of
    the loads (a POST body is read, not parsed)."""
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=FIXED_BODY, content_type="application/json")

    async def answer_post(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=FIXED_BODY, content_type="application/json")

    app = web.Application()
    for path in GET_ROUTES:
        app.router.add_get(path, answer)
    for path in POST_ROUTES:
        app.router.add_post(path, answer_post)
    return app


def connect(path: str, synchronous: str) -> sqlite3.Connection:
    """One connection, autocommit mode: each INSERT is its own transaction and commit."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS rows ("
                 "id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL)")
    return conn


def sqlite_app(path: str, synchronous: str) -> web.Application:
    conn = connect(path, synchronous)

    async def ready(request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    async def insert(request: web.Request) -> web.Response:
        body = await request.text()
        cursor = conn.execute(
            "INSERT INTO rows (body, created_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%f', 'now'))",
            (body,))
        return web.json_response({"id": cursor.lastrowid, "status": "SUCCESS"}, status=201)

    app = web.Application(client_max_size=Settings().max_body_bytes)
    app.router.add_get("/readyz", ready)
    app.router.add_route("POST", "/{tail:.*}", insert)
    return app


def postgres_app(url: str) -> web.Application:
    """(b) on PostgreSQL: one connection, autocommit mode, one INSERT (its own transaction
    and COMMIT) per POST, run on the event loop like (b)'s SQLite calls."""
    import psycopg  # only this baseline needs the driver

    conn = psycopg.connect(url, autocommit=True, application_name="bench baseline (b-pg)")
    conn.execute("CREATE TABLE IF NOT EXISTS rows (id BIGSERIAL PRIMARY KEY,"
                 " body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)")

    async def ready(request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    async def insert(request: web.Request) -> web.Response:
        body = await request.text()
        row = conn.execute("INSERT INTO rows (body, created_at) VALUES (%s, clock_timestamp())"
                           " RETURNING id", (body,)).fetchone()
        assert row is not None
        return web.json_response({"id": row[0], "status": "SUCCESS"}, status=201)

    app = web.Application(client_max_size=Settings().max_body_bytes)
    app.router.add_get("/readyz", ready)
    app.router.add_route("POST", "/{tail:.*}", insert)
    return app


def _scan(path: str, hashed: bool) -> dict[str, float]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    started = time.perf_counter()
    count = 0
    for row in conn.execute("SELECT seq, event_id, org_id, stream_id, version, type,"
                            " schema_version, data, metadata, recorded_at, prev_hash, hash"
                            " FROM events ORDER BY seq"):
        json.loads(row[7])
        json.loads(row[8])
        if hashed:
            hashlib.sha256("".join(map(str, row[:11])).encode()).hexdigest()
        count += 1
    return {"count": count, "seconds": time.perf_counter() - started}


def scan(path: str) -> dict[str, float]:
    """Read every log row and parse its data and metadata: the floor under `rebuild`."""
    return _scan(path, hashed=False)


def scan_hash(path: str) -> dict[str, float]:
    """`scan`, plus sha256 over the bytes each row's hash covers (the previous hash and
    the row's fields, its data and metadata as stored): the floor under `verify`."""
    return _scan(path, hashed=True)


def values(records: int) -> dict[str, float]:
    texts = [json.dumps(data.raw_document(data.record(i)), sort_keys=True,
                        separators=(",", ":")) for i in range(records)]
    compiled = [jmespath.compile(data.document_path(path))
                for _, _, _, path in data.VALUE_FIELDS]
    started = time.perf_counter()
    for text in texts:
        document = json.loads(text)
        for expression in compiled:
            expression.search(document)
    return {"count": records, "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["json", "sqlite", "postgres", "scan", "scan_hash",
                                         "values"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--db", help="SQLite file (sqlite: default a temp file; scan: the log)"
                        "; postgres: the server's URL")
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.kind in ("scan", "scan_hash"):
        print(json.dumps((scan if args.kind == "scan" else scan_hash)(args.db)))
        return
    if args.kind == "values":
        print(json.dumps(values(args.records)))
        return
    if args.port is None:
        parser.error("--port is required for the apps")
    if args.kind == "json":
        app = json_app()
    elif args.kind == "postgres":
        if not args.db:
            parser.error("postgres needs --db postgresql://...")
        app = postgres_app(args.db)
    else:
        path = args.db or os.path.join(tempfile.mkdtemp(prefix="bench-baseline-"), "b.sqlite")
        app = sqlite_app(path, Settings.from_env().synchronous)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
