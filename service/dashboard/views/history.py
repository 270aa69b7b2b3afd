"""A field's history: its timeline from the event log (service.history.field_history
over the field's events, options and mappings included), one list item per change:
when, who (key id and source), what (the event type in words) and before -> after.

It reads the log, not the projections, so a deleted field's history stays readable; only
an id the organization never had events for is a 404 (another organization's field
included). Names in the timeline (an option's value, a mapping's connector) are those
the log itself gives at that point, with connector names from the live connectors.

Each item says the field's version it belongs to, and the events of a revert say the
version it went back to. The last item of each earlier version offers "Revert to this
version" (views/revert.py): a POST form with the field's ETag as this page read it.
"""

import re
from typing import Any

from aiohttp import web

from events import StoredEvent
from events import types as ev
from service.appkeys import backend_key
from service.commands.fields import field_tag
from service.dashboard.pages import catalogue, principal, queries, render
from service.dashboard.views.shared import all_connectors, flash, list_url, when
from service.errors import FieldNotFound
from service.history import field_history

routes = web.RouteTableDef()
Row = dict[str, Any]
FIELD_ORDER: tuple[str, ...] = ("name", "description", "type", "number_format", "category",
                                "model", "source")
LABELS = {"json_path": "expression", "number_format": "number format", "color": "colour",
          "option_ids": "order", "value": "value"}


def in_words(event_type: str) -> str:
    """`OptionsReordered` -> `Options reordered`."""
    return re.sub(r"(?<!^)([A-Z])", lambda m: " " + m.group(1).lower(), event_type)


class Timeline:
    """What the shown names need, kept while the events are walked in order."""

    def __init__(self, connectors: dict[str, Row], integrations: dict[str, str]) -> None:
        self.connectors = connectors
        self.integrations = integrations
        self.options: dict[str, str] = {}  # option id -> its value at this point
        self.mappings: dict[str, str] = {}  # mapping id -> its scope, in words

    def scope(self, integration_slug: str | None, connector_id: str | None) -> str:
        if connector_id is not None:
            connector = self.connectors.get(connector_id)
            return f"connector {connector['name'] if connector else connector_id}"
        slug = integration_slug or ""
        return f"integration {self.integrations.get(slug, slug)}"

    def shown(self, attribute: str, value: Any) -> Row:
        """A value as the page shows it: {"kind": none|text|code|color, "text"}."""
        if value is None:
            return {"kind": "none", "text": "none"}
        if attribute == "json_path":
            return {"kind": "code", "text": value}
        if attribute == "color":
            return {"kind": "color", "text": value}
        if attribute == "number_format" and isinstance(value, dict):
            decimals = value.get("decimal", 0)
            return {"kind": "text", "text": f"{value.get('format')}, {decimals} "
                                            f"decimal{'' if decimals == 1 else 's'}"}
        if attribute == "option_ids" and isinstance(value, list):
            return {"kind": "text", "text": ", ".join(str(self.options.get(i, i)) for i in value)}
        return {"kind": "text", "text": str(value)}

    def changes(self, before: Row | None, after: Row | None, names: tuple[str, ...]) -> list[Row]:
        present = set(before or {}) | set(after or {})
        return [{"attribute": LABELS.get(n, n.replace("_", " ")),
                 "before": self.shown(n, (before or {}).get(n)),
                 "after": self.shown(n, (after or {}).get(n))} for n in names if n in present]

    def item(self, stored: StoredEvent, entry: Row) -> Row:
        event, before, after = stored.event, entry["before"], entry["after"]
        subject: str | None = None
        names: tuple[str, ...] = FIELD_ORDER
        if isinstance(event, ev.OptionAdded):
            self.options[event.option_id] = event.value
            subject, names = f"option {event.value}", ("value", "color")
        elif isinstance(event, ev.OptionUpdated):
            subject, names = f"option {self.options.get(event.option_id, event.option_id)}", \
                ("value", "color")
            if "value" in event.changes:
                self.options[event.option_id] = event.changes["value"]
        elif isinstance(event, ev.OptionRemoved):
            subject = f"option {self.options.pop(event.option_id, event.option_id)}"
            names = ("value", "color")
        elif isinstance(event, ev.OptionsReordered):
            names = ("option_ids",)
        elif isinstance(event, ev.MappingCreated):
            self.mappings[event.mapping_id] = self.scope(event.integration_slug,
                                                         event.connector_id)
            subject, names = f"mapping for {self.mappings[event.mapping_id]}", ("json_path",)
        elif isinstance(event, (ev.MappingUpdated, ev.MappingDeleted)):
            scope = self.mappings.get(event.mapping_id, f"mapping {event.mapping_id}")
            subject, names = f"mapping for {scope}", ("json_path",)
            if isinstance(event, ev.MappingDeleted) and event.reason == "field_deleted":
                subject += " (with the field)"
        if isinstance(event, ev.FieldDeleted):
            names = ("name",)
        # only the attributes named: an option's or a mapping's id and scope are the subject
        shown_before = None if before is None else {k: before[k] for k in names if k in before}
        shown_after = None if after is None else {k: after[k] for k in names if k in after}
        mode = "removed" if after is None else "created" if before is None else "changed"
        return {"seq": entry["seq"], "recorded_at": entry["recorded_at"],
                "when": when(entry["recorded_at"]), "key_id": entry["key_id"],
                "source": entry["source"], "what": in_words(entry["type"]), "subject": subject,
                "mode": mode, "changes": self.changes(shown_before, shown_after, names),
                "field_version": entry["field_version"], "reverted_to": entry["reverted_to"],
                "revert": False}


def summary(entries: list[Row]) -> Row:
    """The field's name, category and model as the log last says them."""
    facts: Row = {"name": None, "category": None, "model": None}
    for entry in entries:
        if entry["type"] in ("FieldCreated", "FieldUpdated") and entry["after"]:
            facts.update({k: v for k, v in entry["after"].items() if k in facts})
    return facts


@routes.get("/fields/{field_id}/history")
async def history_page(request: web.Request) -> web.Response:
    org_id, field_id = principal(request).org_id, request.match_info["field_id"]
    stored = await request.app[backend_key].store.read_events(org_id=org_id, field_id=field_id)
    if not stored:  # never a field of this organization
        raise FieldNotFound(field_id)
    entries = field_history(stored)
    connectors = {c["id"]: c for c in await all_connectors(request, org_id)}
    integrations = {slug: i.display_name for slug, i in catalogue(request).integrations.items()}
    timeline = Timeline(connectors, integrations)
    items = [timeline.item(s, e) for s, e in zip(stored, entries, strict=True)]
    facts = summary(entries)
    current = await queries(request).field(org_id, field_id)
    tag = None
    if current is not None:  # the last item of each earlier version can be reverted to
        mappings = await queries(request).field_mappings(field_id)
        tag = field_tag(current["version"], [(m["id"], m["version"]) for m in mappings])
        for item, following in zip(items, [*items[1:], None], strict=True):
            item["revert"] = item["field_version"] < current["version"] and (
                following is None or following["field_version"] != item["field_version"])
    return await render(request, "history.html", {
        "field_id": field_id, "name": current["name"] if current else facts["name"],
        "exists": current is not None, "items": items, "tag": tag,
        "message": await flash(request),
        "list_url": list_url(facts["category"], facts["model"])
        if facts["category"] and facts["model"] else "/dashboard/fields"})
