"""The `custom-fields` command line (DESIGN section 8).

Every command prints JSON on stdout (logs and errors go to stderr) and exits non-zero
on failure. Tenancy commands are events written through the same event store and
commands as the API; maintenance (rebuild, verify, replay, events, backup) goes through
the backend's maintenance interface.
"""

import argparse
import asyncio
import json
import re
import sys
from datetime import datetime
from typing import Any

from events import EventStoreError
from events.clock import iso_utc
from projections import Maintenance
from service.backend import make_backend
from service.commands import Command, Context, execute
from service.commands.tenancy import (
    CreateConnector,
    CreateOrganization,
    EnableIntegrations,
    IssueKey,
    RevokeKey,
)
from service.errors import DomainError, OrganizationNotFound
from service.settings import Settings


class CommandFailed(Exception):
    pass


def _print(value: Any) -> None:
    sys.stdout.write(json.dumps(value) + "\n")


def _write(settings: Settings, command: Command[dict]) -> dict:
    async def run() -> dict:
        backend = make_backend(settings)
        await backend.open()
        try:
            return await execute(backend.store, Context.from_settings(settings), command)
        finally:
            await backend.close()
    return asyncio.run(run())


def _maintenance(settings: Settings) -> Maintenance:
    return make_backend(settings).maintenance()


def _org_id(maintenance: Maintenance, slug: str | None) -> str | None:
    if slug is None:
        return None
    org = maintenance.organization_by_slug(slug)
    if org is None:
        raise OrganizationNotFound(slug)
    return org["id"]


def _until(text: str) -> dict[str, Any]:
    if re.fullmatch(r"[0-9]+", text):
        return {"until_seq": int(text)}
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandFailed(f"--until takes a sequence number or an ISO time, not {text!r}"
                            ) from None
    return {"until_time": iso_utc(moment)}  # a time without an offset is UTC


# --- commands -----------------------------------------------------------------------------

def cmd_org_create(args, settings):
    _print(_write(settings, CreateOrganization(args.slug, args.name)))


def cmd_key_create(args, settings):
    _print(_write(settings, IssueKey(args.org)))


def cmd_key_revoke(args, settings):
    _print(_write(settings, RevokeKey(args.key_id)))


def cmd_integration_enable(args, settings):
    _print(_write(settings, EnableIntegrations(args.org, tuple(args.slugs))))


def cmd_connector_create(args, settings):
    _print(_write(settings, CreateConnector(args.integration, args.name, org_slug=args.org)))


def cmd_rebuild(args, settings):
    with _maintenance(settings) as maintenance:
        _print(maintenance.rebuild())


def cmd_verify(args, settings):
    with _maintenance(settings) as maintenance:
        result = maintenance.verify()
    _print(result)
    if not result["ok"]:
        raise SystemExit(1)


def cmd_replay(args, settings):
    until = _until(args.until)
    with _maintenance(settings) as maintenance:
        result = maintenance.replay(org_id=_org_id(maintenance, args.org), **until)
    _print({"until": args.until, "organization": args.org, **result})


def cmd_events(args, settings):
    with _maintenance(settings) as maintenance:
        for stored in maintenance.events(after=args.after,
                                         org_id=_org_id(maintenance, args.org)):
            _print(stored.as_json())


def cmd_backup(args, settings):
    """A consistent copy of the database, safe while the server writes, checked with
    `verify` before it is reported."""
    with _maintenance(settings) as maintenance:
        try:
            maintenance.backup(args.to)
        except FileExistsError:
            raise CommandFailed(f"{args.to} exists; backup never overwrites a file") from None
    with _maintenance(settings.with_(db=args.to)) as copy:
        result = copy.verify()
    _print({"backup": args.to, "ok": result["ok"], "events": result["events"]})
    if not result["ok"]:
        raise SystemExit(1)


def cmd_serve(args, settings):
    from aiohttp import web  # the HTTP stack is imported only to serve

    from service.app import configure_logging, create_app
    from service.appkeys import backend_key, context_key
    from service.demo import banner, ensure_demo

    configure_logging()
    app = create_app(settings)
    if args.demo:
        async def demo_ctx(app: web.Application):
            credentials = await ensure_demo(app[backend_key], app[context_key], settings.db)
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
    except EventStoreError as exc:
        print(f"custom-fields: database error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # stdout closed early (`custom-fields events | head`)
        sys.stderr.close()
        return 0
    return 0
