"""The maintenance commands of `custom-fields`: rebuild, verify, replay, events, backup,
restore and migrate, through the backend's maintenance interface (on an existing
database only, except `restore` and `migrate`, which may make a new one)."""

import argparse
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from events.clock import iso_utc
from projections import Maintenance
from service.backend import is_postgres, make_backend
from service.cli_common import CommandFailed, print_json
from service.errors import OrganizationNotFound
from service.settings import Settings


def _maintenance(settings: Settings) -> Maintenance:
    """The maintenance interface of an existing database (never creates one: a
    misspelled path is an error, not an empty database that verifies)."""
    backend = make_backend(settings)
    if not backend.exists():
        where = backend.description if is_postgres(settings.db) else settings.db
        raise CommandFailed(f"no database at {where} (give --db PATH or URL, or set "
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


def cmd_rebuild(args, settings):
    with _maintenance(settings) as maintenance:
        print_json(maintenance.rebuild())


def cmd_verify(args, settings):
    with _maintenance(settings) as maintenance:
        result = maintenance.verify()
    print_json(result)
    if not result["ok"]:
        raise SystemExit(1)


def cmd_replay(args, settings):
    until = _until(args.until)
    with _maintenance(settings) as maintenance:
        result = maintenance.replay(org_id=_org_id(maintenance, args.org), **until)
    print_json({"until": args.until, "organization": args.org, **result})


def cmd_events(args, settings):
    with _maintenance(settings) as maintenance:
        for stored in maintenance.events(after=args.after,
                                         org_id=_org_id(maintenance, args.org)):
            print_json(stored.as_json())


def cmd_migrate(args, settings):
    """Create the schema, or bring it to this program's version (what every command that
    writes does on first use); for a deployment whose replicas' role may not create
    tables."""
    backend = make_backend(settings)
    with backend.maintenance() as maintenance:
        print_json({"database": backend.description, "schema": maintenance.schema_versions()})


def cmd_backup(args, settings):
    """A logical export from one snapshot, safe while servers write, read back and its
    hash chain checked before it is reported."""
    with _maintenance(settings) as maintenance:
        counts = maintenance.export(args.to)
    print_json({"backup": args.to, "ok": True, "events": counts["events"],
                "synced_records": counts["synced_records"]})


def cmd_restore(args, settings):
    """A backup into a new database (a SQLite file that does not exist yet, or a
    PostgreSQL database whose log is empty), then verified."""
    backend = make_backend(settings)
    with backend.maintenance() as maintenance:
        counts = maintenance.restore(args.source)
        result = maintenance.verify()
    print_json({"restored": args.source, "ok": result["ok"], "events": counts["events"],
                "synced_records": counts["synced_records"],
                "checksum": result["projections"]["checksum"]})
    if not result["ok"]:
        raise SystemExit(1)


Parser = Callable[[Any, str, str], argparse.ArgumentParser]


def add_maintenance_commands(sub: Any, parser: Parser) -> None:
    parser(sub, "rebuild", "replay the log into fresh projections and swap them in"
           ).set_defaults(fn=cmd_rebuild)
    parser(sub, "verify", "check the hash chain and the projection checksum"
           ).set_defaults(fn=cmd_verify)
    p = parser(sub, "replay", "the state at a point in the log")
    p.add_argument("--until", required=True, help="a sequence number or an ISO time "
                                                  "(without an offset: UTC)")
    p.add_argument("--org", help="only this organization's state (default: every "
                                 "organization)")
    p.set_defaults(fn=cmd_replay)
    parser(sub, "migrate", "create the database's schema or bring it to this version"
           ).set_defaults(fn=cmd_migrate)
    p = parser(sub, "backup", "export the log and the synced rows to a file, while the "
                              "database is in use")
    p.add_argument("--to", required=True, help="the new file to write (never overwritten)")
    p.set_defaults(fn=cmd_backup)
    p = parser(sub, "restore", "load a backup into a new database (either backend)")
    p.add_argument("--from", dest="source", required=True, help="a file `backup` wrote")
    p.set_defaults(fn=cmd_restore)
    p = parser(sub, "events", "the log as JSON lines")
    p.add_argument("--org", help="only this organization's events (default: all)")
    p.add_argument("--after", type=int, default=0, help="only events after this sequence "
                                                        "number")
    p.set_defaults(fn=cmd_events)
