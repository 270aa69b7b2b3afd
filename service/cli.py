"""The `custom-fields` command line (DESIGN section 8).

Every command prints JSON on stdout (logs and errors go to stderr) and exits non-zero
on failure. Tenancy commands are events written through the same event store and
command functions as the API.
"""

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from events import log
from events.store import WriteTransaction
from projections import create_projection_tables
from projections.rebuild import rebuild, replay, verify
from service.catalogue import Catalogue
from service.commands import tenancy
from service.errors import DomainError
from service.settings import Settings
from service.storage import make_store
from service.tables import create_service_tables


class CommandFailed(Exception):
    pass


def _print(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")


def _write(settings: Settings, command: Callable[[WriteTransaction], dict]) -> dict:
    async def run() -> dict:
        async with make_store(settings) as store:
            return await store.write(command)
    return asyncio.run(run())


def _connect(settings: Settings) -> sqlite3.Connection:
    store = make_store(settings)  # creates the folder; the tables are made below
    conn = log.connect(store.path, settings.synchronous)
    conn.execute("BEGIN IMMEDIATE")
    log.create_log(conn)
    create_projection_tables(conn)
    create_service_tables(conn)
    conn.execute("COMMIT")
    return conn


def _org_id(conn: sqlite3.Connection, slug: str | None) -> str | None:
    if slug is None:
        return None
    return tenancy.org_by_slug(conn, slug)[0]


def _until(text: str) -> dict[str, Any]:
    if re.fullmatch(r"[0-9]+", text):
        return {"until_seq": int(text)}
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandFailed(f"--until takes a sequence number or an ISO time, not {text!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return {"until_time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


# --- commands -----------------------------------------------------------------------------

def cmd_org_create(args, settings):
    _print(_write(settings, partial(tenancy.create_organization, slug=args.slug,
                                    name=args.name)))


def cmd_key_create(args, settings):
    _print(_write(settings, partial(tenancy.issue_key, org_slug=args.org)))


def cmd_key_revoke(args, settings):
    _print(_write(settings, partial(tenancy.revoke_key, key_id=args.key_id)))


def cmd_integration_enable(args, settings):
    _print(_write(settings, partial(tenancy.enable_integrations, org_slug=args.org,
                                    slugs=args.slugs, catalogue=Catalogue.load())))


def cmd_connector_create(args, settings):
    def command(tx: WriteTransaction) -> dict:
        org_id = tenancy.org_by_slug(tx.conn, args.org)[0]
        return tenancy.create_connector(tx, org_id=org_id, integration_slug=args.integration,
                                        name=args.name, catalogue=Catalogue.load())
    _print(_write(settings, command))


def cmd_rebuild(args, settings):
    _print(rebuild(_connect(settings)))


def cmd_verify(args, settings):
    result = verify(_connect(settings))
    _print(result)
    if not result["ok"]:
        raise SystemExit(1)


def cmd_replay(args, settings):
    conn = _connect(settings)
    org_id = _org_id(conn, args.org)
    until = _until(args.until)
    result = replay(conn, org_id=org_id, **until)
    _print({"until": args.until, "organization": args.org, **result})


def cmd_events(args, settings):
    conn = _connect(settings)
    org_id = _org_id(conn, args.org)
    for stored in log.iter_events(conn, after=args.after, org_id=org_id):
        _print(stored.as_json())


def cmd_backup(args, settings):
    """A consistent copy of the database, safe while the server writes (SQLite's online
    backup), checked with `verify` before it is reported."""
    if os.path.exists(args.to):
        raise CommandFailed(f"{args.to} exists; backup never overwrites a file")
    source = _connect(settings)
    target = sqlite3.connect(args.to)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    result = verify(log.connect(args.to))
    _print({"backup": args.to, "ok": result["ok"], "events": result["events"]})
    if not result["ok"]:
        raise SystemExit(1)


def cmd_serve(args, settings):
    from aiohttp import web  # the HTTP stack is imported only to serve

    from service.app import configure_logging, create_app
    from service.appkeys import catalogue_key, store_key
    from service.demo import banner, ensure_demo

    configure_logging()
    app = create_app(settings)
    if args.demo:
        async def demo_ctx(app: web.Application):
            credentials = await ensure_demo(app[store_key], app[catalogue_key])
            print(banner(credentials, settings.host, settings.port), flush=True)
            yield
        app.cleanup_ctx.append(demo_ctx)
    web.run_app(app, host=settings.host, port=settings.port, access_log=None,
                print=lambda *_: None if args.demo else print(
                    f"Serving on http://{settings.host}:{settings.port}", file=sys.stderr))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="custom-fields", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLite file (default: $CUSTOM_FIELDS_DB, else "
                                     "var/custom-fields.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    org = sub.add_parser("org", help="organizations").add_subparsers(dest="action", required=True)
    p = org.add_parser("create", help="create an organization")
    p.add_argument("--slug", required=True)
    p.add_argument("--name", required=True)
    p.set_defaults(fn=cmd_org_create)

    key = sub.add_parser("key", help="API keys").add_subparsers(dest="action", required=True)
    p = key.add_parser("create", help="issue a key (shown once)")
    p.add_argument("--org", required=True)
    p.set_defaults(fn=cmd_key_create)
    p = key.add_parser("revoke", help="revoke a key")
    p.add_argument("key_id")
    p.set_defaults(fn=cmd_key_revoke)

    integration = sub.add_parser("integration", help="integrations").add_subparsers(
        dest="action", required=True)
    p = integration.add_parser("enable", help="enable integrations for an organization")
    p.add_argument("--org", required=True)
    p.add_argument("slugs", nargs="+")
    p.set_defaults(fn=cmd_integration_enable)

    connector = sub.add_parser("connector", help="connectors").add_subparsers(
        dest="action", required=True)
    p = connector.add_parser("create", help="create a connector (prints its token)")
    p.add_argument("--org", required=True)
    p.add_argument("--integration", required=True)
    p.add_argument("--name")
    p.set_defaults(fn=cmd_connector_create)

    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--demo", action="store_true",
                   help="create (or reuse) the demo organization and print its key")
    p.set_defaults(fn=cmd_serve)

    sub.add_parser("rebuild", help="replay the log into fresh projections and swap them in"
                   ).set_defaults(fn=cmd_rebuild)
    sub.add_parser("verify", help="check the hash chain and the projection checksum"
                   ).set_defaults(fn=cmd_verify)
    p = sub.add_parser("replay", help="the state at a point in the log")
    p.add_argument("--until", required=True, help="a sequence number or an ISO time")
    p.add_argument("--org", help="only this organization's state")
    p.set_defaults(fn=cmd_replay)
    p = sub.add_parser("backup", help="copy the database while it is in use, then verify it")
    p.add_argument("--to", required=True, help="the new file to write")
    p.set_defaults(fn=cmd_backup)
    p = sub.add_parser("events", help="the log as JSON lines")
    p.add_argument("--org")
    p.add_argument("--after", type=int, default=0)
    p.set_defaults(fn=cmd_events)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env(db=args.db, host=getattr(args, "host", None),
                                 port=getattr(args, "port", None))
    try:
        args.fn(args, settings)
    except DomainError as exc:
        print(f"custom-fields: {exc.detail}", file=sys.stderr)
        return 1
    except CommandFailed as exc:
        print(f"custom-fields: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"custom-fields: database error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # stdout closed early (`custom-fields events | head`)
        sys.stderr.close()
        return 0
    return 0
