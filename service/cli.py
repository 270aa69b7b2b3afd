"""The `custom-fields` command line (DESIGN section 8).

Every command prints JSON on stdout (logs and errors go to stderr). Exit status: 0 ok,
1 failed or bad input (a domain refusal, a database error, a bad value or setting,
a database file that does not exist for a command that only reads or maintains it),
2 usage (argparse's own errors). Tenancy commands are events written through the same
event store and commands as the API, and create the database on first use; maintenance
(rebuild, verify, replay, events, backup) goes through the backend's maintenance
interface, on an existing database only. `serve` is `service.serving`.
"""

import argparse
import asyncio
import json
import os
import re
import sys
import textwrap
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
    DisableIntegration,
    EnableIntegrations,
    IssueKey,
    RevokeKey,
)
from service.errors import DomainError, OrganizationNotFound
from service.serving import CannotServe, check_listen_address, serve
from service.settings import DEFAULT_DB, SettingError, Settings

EXIT_CODES = """exit status:
  0  ok
  1  failed or bad input: a refusal (unknown organization, duplicate slug, ...), a
     database error, a bad value or setting, a database that does not exist
  2  usage: an unknown command or option, a missing or malformed argument"""


class CommandFailed(Exception):
    """Bad input the CLI itself refuses: one line on stderr, exit 1."""


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
    """The maintenance interface of an existing database (never creates one: a
    misspelled path is an error, not an empty database that verifies)."""
    backend = make_backend(settings)
    if not os.path.exists(settings.db):
        raise CommandFailed(f"no database at {settings.db} (give --db PATH or set "
                            "CUSTOM_FIELDS_DB)")
    return backend.maintenance()


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


def cmd_integration_disable(args, settings):
    _print(_write(settings, DisableIntegration(args.org, args.slug)))


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
    check_listen_address(settings, host_flag=args.host is not None,
                         port_flag=args.port is not None)
    from service.app import configure_logging  # the HTTP stack is imported only to serve

    configure_logging(settings.log_level)
    asyncio.run(serve(settings, demo=args.demo))


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Defaults in every option's help (except where there is none to show), and the
    epilog as written."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "(default" in (
                action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _parser(sub, name: str, help: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".",
                          formatter_class=_HelpFormatter, epilog=EXIT_CODES)


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="custom-fields", formatter_class=_HelpFormatter, epilog=EXIT_CODES,
        description="The Custom Fields Service's command line: tenancy, maintenance of the\n"
                    "event log, and the HTTP server. Prints JSON on stdout; logs and errors\n"
                    "go to stderr. Settings are CUSTOM_FIELDS_<NAME> environment variables\n"
                    "(docs/OPERATIONS.md lists them).")
    parser.add_argument("--db", help="the SQLite file (default: $CUSTOM_FIELDS_DB, else "
                                     f"{DEFAULT_DB})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    org = _parser(sub, "org", "organizations").add_subparsers(
        dest="action", required=True)
    p = _parser(org, "create", "create an organization")
    p.add_argument("--slug", required=True, help="its URL name, unique")
    p.add_argument("--name", required=True, help="its display name")
    p.set_defaults(fn=cmd_org_create)

    key = _parser(sub, "key", "API keys").add_subparsers(dest="action", required=True)
    p = _parser(key, "create", "issue a key (shown once)")
    p.add_argument("--org", required=True, help="the organization's slug")
    p.set_defaults(fn=cmd_key_create)
    p = _parser(key, "revoke", "revoke a key")
    p.add_argument("key_id", help="the id `key create` printed")
    p.set_defaults(fn=cmd_key_revoke)

    integration = _parser(sub, "integration", "integrations").add_subparsers(
        dest="action", required=True)
    p = _parser(integration, "enable", "enable integrations for an organization")
    p.add_argument("--org", required=True, help="the organization's slug")
    p.add_argument("slugs", nargs="+", help="integration slugs (workday, hubspot, ...)")
    p.set_defaults(fn=cmd_integration_enable)
    p = _parser(integration, "disable", "disable an integration for an organization "
                "(refused while a mapping uses it)")
    p.add_argument("--org", required=True, help="the organization's slug")
    p.add_argument("slug", help="the integration's slug")
    p.set_defaults(fn=cmd_integration_disable)

    connector = _parser(sub, "connector", "connectors").add_subparsers(
        dest="action", required=True)
    p = _parser(connector, "create", "create a connector (prints its token)")
    p.add_argument("--org", required=True, help="the organization's slug")
    p.add_argument("--integration", required=True, help="an enabled integration's slug")
    p.add_argument("--name", help="its display name, 1-200 characters, not blank "
                                  "(default: '<Integration> connector')")
    p.set_defaults(fn=cmd_connector_create)

    p = _parser(sub, "serve", "serve the HTTP API until SIGINT or SIGTERM")
    p.add_argument("--host", help="the address to listen on (default: $CUSTOM_FIELDS_HOST, "
                                  f"else {defaults.host})")
    p.add_argument("--port", type=int, help="the port, 1-65535 (default: "
                                            f"$CUSTOM_FIELDS_PORT, else {defaults.port})")
    p.add_argument("--demo", action="store_true",
                   help="create (or reuse) the demo organization and print its key "
                        "(default: off)")
    p.set_defaults(fn=cmd_serve)

    _parser(sub, "rebuild", "replay the log into fresh projections and swap them in"
            ).set_defaults(fn=cmd_rebuild)
    _parser(sub, "verify", "check the hash chain and the projection checksum"
            ).set_defaults(fn=cmd_verify)
    p = _parser(sub, "replay", "the state at a point in the log")
    p.add_argument("--until", required=True, help="a sequence number or an ISO time "
                                                  "(without an offset: UTC)")
    p.add_argument("--org", help="only this organization's state (default: every "
                                 "organization)")
    p.set_defaults(fn=cmd_replay)
    p = _parser(sub, "backup", "copy the database while it is in use, then verify it")
    p.add_argument("--to", required=True, help="the new file to write (never overwritten)")
    p.set_defaults(fn=cmd_backup)
    p = _parser(sub, "events", "the log as JSON lines")
    p.add_argument("--org", help="only this organization's events (default: all)")
    p.add_argument("--after", type=int, default=0, help="only events after this sequence "
                                                        "number")
    p.set_defaults(fn=cmd_events)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # usage errors: exit 2, by argparse
    try:
        settings = Settings.from_env(db=args.db, host=getattr(args, "host", None),
                                     port=getattr(args, "port", None))
        args.fn(args, settings)
    except DomainError as exc:
        return _fail(exc.detail)
    except (CommandFailed, SettingError, CannotServe) as exc:
        return _fail(str(exc))
    except EventStoreError as exc:
        return _fail(f"database error: {exc}")
    except BrokenPipeError:  # stdout closed early (`custom-fields events | head`)
        sys.stderr.close()
        return 0
    except OSError as exc:  # a directory that cannot be made, a file that cannot be read
        return _fail(str(exc))
    except KeyboardInterrupt:  # SIGINT before serving began, or during another command
        return _fail("interrupted")
    return 0


def _fail(message: str) -> int:
    print(f"custom-fields: {message}", file=sys.stderr)
    return 1
