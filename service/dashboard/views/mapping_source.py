"""Where the mapping editor's raw document comes from: the "Connector" select's entries
(the organization's connectors whose enabled integration serves the field's category,
then each such integration's sample), the chosen one, and its document
(`documents.raw_document`, the raw-data endpoint's)."""

from dataclasses import dataclass

from aiohttp import web

from service import documents
from service.appkeys import context_key
from service.commands import Context
from service.dashboard.pages import catalogue, principal, queries
from service.dashboard.views.shared import Row, all_connectors
from service.errors import ValidationFailed


@dataclass
class Choice:
    """An entry of the "Connector" select: a connector of the organization, or the
    sample of an enabled integration."""

    value: str                      # "connector:<id>" or "sample:<slug>"
    label: str
    integration_slug: str
    integration_name: str
    connector: Row | None = None


async def choices(request: web.Request, field: Row) -> list[Choice]:
    """The connectors whose integration serves the field's category (and is enabled),
    then each such enabled integration's sample."""
    known, read, org_id = catalogue(request), queries(request), principal(request).org_id
    enabled = [s for s in await read.enabled_integrations(org_id)
               if known.serves(s, field["category"])]
    names = {s: known.integrations[s].display_name for s in enabled}
    found = [Choice(f"connector:{c['id']}", f"{c['name']} ({names[c['integration_slug']]})",
                    c["integration_slug"], names[c["integration_slug"]], c)
             for c in await all_connectors(request, org_id)
             if c["integration_slug"] in names]
    found += [Choice(f"sample:{s}", f"{names[s]} sample", s, names[s]) for s in enabled
              if known.sample(s, field["model"]) is not None]
    return found


def chosen(options: list[Choice], value: str | None, *, strict: bool) -> Choice | None:
    """The entry `value` names; without one (or, unless strict, a stale one) the first."""
    for option in options:
        if option.value == value:
            return option
    if value and strict:
        raise ValidationFailed("that connector or sample is not one of this field's",
                               errors={"source": ["pick an entry of the Connector list"]})
    return options[0] if options else None


def context(request: web.Request) -> Context:
    return request.app[context_key]


async def raw(request: web.Request, field: Row, choice: Choice) -> documents.RawDocument:
    token = choice.connector["token"] if choice.connector else None
    return await documents.raw_document(
        queries(request), context(request), principal(request).org_id, field["category"],
        field["model"], token, None if token else choice.integration_slug)


def source_text(document: documents.RawDocument, choice: Choice) -> str:
    """Where the document shown comes from, in words."""
    if document.source == documents.CONNECTOR_SYNC:
        return f"The latest row synced by {choice.connector['name'] if choice.connector else ''}."
    if choice.connector is not None:
        return (f"{choice.connector['name']} has synced no row of this model yet: this is the "
                f"{choice.integration_name} sample.")
    return f"The {choice.integration_name} sample (vendor-shaped, not your data)."
