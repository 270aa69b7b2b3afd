"""The `custom-fields` command line (DESIGN section 8).

Every command prints JSON on stdout (logs and errors go to stderr). Exit status: 0 ok,
1 failed or bad input (a domain refusal, a database error, a bad value or setting,
a database file that does not exist for a command that only reads or maintains it),
2 usage (argparse's own errors). Tenancy commands are events written through the same
event store and commands as the API, and create the database on first use; maintenance
(rebuild, verify, replay, events, backup, restore) is `service.cli_maintenance`,
definitions as code (export, import) `service.cli_definitions`;
`serve` is `service.serving`.
"""

import argparse
import asyncio
import sys
import textwrap

from events import EventStoreError
from service.backend import make_backend
from service.cli_common import CommandFailed, print_json
from service.cli_definitions import add_definitions_commands
from service.cli_maintenance import add_maintenance_commands
from service.commands import Command, Context, execute
from service.commands.tenancy import (
    CreateConnector,
    CreateOrganization,
    DisableIntegration,
    EnableIntegrations,
    IssueKey,
    RevokeKey,
)
from service.errors import DomainError
from service.serving import CannotServe, check_listen_address, serve
from service.settings import DEFAULT_DB, SettingError, Settings

EXIT_CODES = """exit status:
  0  ok
  1  failed or bad input: a refusal (unknown organization, duplicate slug, ...), a
     database error, a bad value or setting, a database that does not exist
  2  usage: an unknown command or option, a missing or malformed argument"""


def _write(settings: Settings, command: Command[dict]) -> dict:
    async def run() -> dict:
        backend = make_backend(settings)
        await backend.open()
        try:
            return await execute(backend.store, Context.from_settings(settings), command)
        finally:
            await backend.close()
    return asyncio.run(run())


# --- commands -----------------------------------------------------------------------------

def cmd_org_create(args, settings):
    print_json(_write(settings, CreateOrganization(args.slug, args.name)))


def cmd_key_create(args, settings):
    print_json(_write(settings, IssueKey(args.org)))


def cmd_key_revoke(args, settings):
    print_json(_write(settings, RevokeKey(args.key_id)))


def cmd_integration_enable(args, settings):
    print_json(_write(settings, EnableIntegrations(args.org, tuple(args.slugs))))


def cmd_integration_disable(args, settings):
    print_json(_write(settings, DisableIntegration(args.org, args.slug)))


def cmd_connector_create(args, settings):
    print_json(_write(settings, CreateConnector(args.integration, args.name, org_slug=args.org)))


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
    parser.add_argument("--db", help="the SQLite file, or a postgresql://user@host:port/db "
                                     "URL (default: $CUSTOM_FIELDS_DB, else "
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

    add_maintenance_commands(sub, _parser)
    add_definitions_commands(sub, _parser)

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
