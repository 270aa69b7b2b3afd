"""Definitions as code on the command line: `export` prints an organization's document
(as `GET /api/v1/custom-fields/export` answers it), `import` applies one from a file
(as `POST /api/v1/custom-fields/import`) and prints the plan. Both need an existing
database; an import's events carry `source: "CLI"`.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError

from events import Metadata
from projections import Backend
from service import rules
from service.backend import is_postgres, make_backend
from service.cli_common import CommandFailed, print_json
from service.commands import Context, execute
from service.commands.definitions import DryRunDone, ImportDefinitions
from service.definitions import document
from service.errors import BatchRefused, OrganizationNotFound
from service.schemas.definitions import DefinitionsSchema
from service.settings import Settings


def _existing(settings: Settings) -> Backend:
    backend = make_backend(settings)
    if not backend.exists():
        where = backend.description if is_postgres(settings.db) else settings.db
        raise CommandFailed(f"no database at {where} (give --db PATH or URL, or set "
                            "CUSTOM_FIELDS_DB)")
    return backend


async def _org_id(backend: Backend, slug: str) -> str:
    org = await backend.queries.organization_by_slug(slug)
    if org is None:
        raise OrganizationNotFound(slug)
    return org["id"]


def _with_backend(settings: Settings, work: Callable[[Backend, Context], Any],
                  backend: Backend | None = None) -> Any:
    backend = backend or _existing(settings)

    async def run() -> Any:
        await backend.open()
        try:
            return await work(backend, Context.from_settings(settings))
        finally:
            await backend.close()
    return asyncio.run(run())


def cmd_export(args, settings):
    async def work(backend: Backend, ctx: Context) -> dict:
        org_id = await _org_id(backend, args.org)
        rules.require_filter(ctx.catalogue, args.category, args.model)
        rows = await backend.queries.definitions(org_id, args.category, args.model)
        return document(rows, args.category, args.model)
    print_json(_with_backend(settings, work))


def _read_document(path: str) -> dict:
    name = "standard input" if path == "-" else path
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as source:
                text = source.read()
        parsed = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"{name} is not a JSON document: {exc}") from None
    if not isinstance(parsed, dict):
        raise CommandFailed(f"{name} is not a definitions document (a JSON object)")
    try:
        return DefinitionsSchema().load(parsed)
    except ValidationError as exc:
        raise CommandFailed(f"{name} is not a valid definitions document: "
                            f"{json.dumps(exc.messages)}") from None


def cmd_import(args, settings):
    backend = _existing(settings)
    data = _read_document(args.file)

    async def work(backend: Backend, ctx: Context) -> dict:
        command = ImportDefinitions(await _org_id(backend, args.org), data["field_list"],
                                    data["scope"]["category"], data["scope"]["model"],
                                    prune=args.prune, dry_run=args.dry_run)
        try:
            return await execute(backend.store, ctx, command, Metadata(source="CLI"))
        except DryRunDone as done:
            return done.plan
        except BatchRefused as exc:
            raise CommandFailed(f"{exc.detail}: {json.dumps(exc.errors)}") from None
    print_json(_with_backend(settings, work, backend))


Parser = Callable[[Any, str, str], argparse.ArgumentParser]


def add_definitions_commands(sub: Any, parser: Parser) -> None:
    p = parser(sub, "export", "print an organization's fields, options and mappings as a "
                              "definitions document (no ids)")
    p.add_argument("--org", required=True, help="the organization's slug")
    p.add_argument("--category", help="only this category's fields (default: every one)")
    p.add_argument("--model", help="only this model's fields (default: every one)")
    p.set_defaults(fn=cmd_export)
    p = parser(sub, "import", "apply a definitions document to an organization in one "
                              "transaction and print the plan")
    p.add_argument("--org", required=True, help="the organization's slug")
    p.add_argument("file", metavar="FILE", help="the document, as `export` prints it "
                                                "(- reads standard input)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan and write nothing (default: off)")
    p.add_argument("--prune", action="store_true",
                   help="also delete the fields, options and mappings of the document's "
                        "scope that it does not list (default: off)")
    p.set_defaults(fn=cmd_import)
