"""Importing a definitions document (`service.definitions`): its plan, and the plan
applied through the existing commands, in one transaction.

The plan compares the document with the organization's definitions within the
document's scope, read in the write transaction: fields are matched by (category,
model, name), options by value (case-insensitively, as they are unique), mappings by
their field and scope. What the document has and the organization does not is
created; what both have but differently is updated; what only the organization has is
deleted with `prune`, else left as it is and listed under `skipped`. A field deleted
takes its options and mappings with it (listed once, as the field).

Every change is a step of a `Batch`: the command the single-resource route runs
(CreateField, UpdateField, AddOption, UpdateOption, RemoveOption, ReorderOptions,
CreateMapping, UpdateMapping, DeleteMapping, DeleteField), so every rule holds and
every change is an ordinary event. A refusal is reported at the document path of what
was refused (`fields.2.mappings.0`), or at `delete.N` for the Nth deletion; nothing is
written then. A dry run applies the plan and rolls it back (`DryRunDone`), so it is
refused exactly when the import would be.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from events import Metadata
from service import rules
from service.commands.base import Command, Context, Tx
from service.commands.batch import Batch, Step, attempt, checked
from service.commands.fields import CreateField, DeleteField, UpdateField
from service.commands.mappings import CreateMapping, DeleteMapping, UpdateMapping
from service.commands.options import AddOption, RemoveOption, ReorderOptions, UpdateOption
from service.definitions import mapping_order, mapping_scope
from service.errors import BatchRefused
from service.keys import name_key, option_key

Row = dict[str, Any]
FIELD_ATTRIBUTES = ("name", "description", "type", "number_format")


class DryRunDone(Exception):
    """Raised at the end of a dry run, inside the write transaction, to roll it back;
    carries the plan."""

    def __init__(self, plan: Row) -> None:
        super().__init__("dry run")
        self.plan = plan


def _changes(before: Row, after: Row, attributes) -> Row:
    return {a: {"before": before.get(a), "after": after.get(a)} for a in attributes
            if before.get(a) != after.get(a)}


class _Planner:
    """The plan and its steps, for one document against the stored definitions."""

    def __init__(self, command: "ImportDefinitions", current: list[Row]) -> None:
        self.command = command
        self.org_id = command.org_id
        self.plan: Row = {"dry_run": command.dry_run, "prune": command.prune, "create": [],
                          "update": [], "delete": [], "skipped": [], "unchanged": 0}
        self.steps: list[tuple[str, Step]] = []
        self.current = {(f["category"], f["model"], f["name_key"]): f for f in current}

    def step(self, label: str, step: Step) -> None:
        self.steps.append((label, step))

    def gone(self, entry: Row, command: Command[Any]) -> None:
        """What only the organization has: deleted with prune, else skipped."""
        if self.command.prune:
            self.step(f"delete.{len(self.plan['delete'])}", command)
            self.plan["delete"].append(entry)
        else:
            self.plan["skipped"].append(entry)

    def build(self) -> None:
        matched = set()
        for index, field in enumerate(self.command.fields):
            key = (field["category"], field["model"], name_key(field["name"]))
            ident = {"category": field["category"], "model": field["model"],
                     "field": field["name"]}
            stored = self.current.get(key)
            if stored is None:
                self.create_field(f"fields.{index}", field, ident)
            else:
                matched.add(key)
                self.update_field(f"fields.{index}", field, stored, ident)
        for key, stored in sorted(self.current.items()):
            if key not in matched:
                self.gone({"kind": "field", "category": stored["category"],
                           "model": stored["model"], "field": stored["name"]},
                          DeleteField(self.org_id, stored["id"]))

    def create_field(self, label: str, field: Row, ident: Row) -> None:
        self.plan["create"].append({"kind": "field", **ident})
        self.plan["create"].extend({"kind": "option", **ident, "option": o["value"]}
                                   for o in field["options"])
        self.step(label, self.command.creation(field))
        for index, mapping in enumerate(field["mappings"]):
            self.plan["create"].append(self.mapping_entry(ident, mapping))
            self.step(f"{label}.mappings.{index}", partial(self.new_mapping, label, mapping))

    def new_mapping(self, field_label: str, mapping: Row, results: dict[str, Any]
                    ) -> Command[Any] | None:
        made = results.get(field_label)
        return None if made is None else self.command.mapping(made["id"], mapping)

    def mapping_entry(self, ident: Row, mapping: Row) -> Row:
        slug, token = mapping_scope(mapping)
        return {"kind": "mapping", **ident, "integration_slug": slug, "connector_token": token}

    def update_field(self, label: str, field: Row, stored: Row, ident: Row) -> None:
        field_id, org_id = stored["id"], self.org_id
        wanted = {option_key(o["value"]) for o in field["options"]}
        extras = [o for o in stored["options"] if o["value_key"] not in wanted]
        for option in extras:
            self.gone({"kind": "option", **ident, "option": option["value"]},
                      RemoveOption(org_id, field_id, option["id"]))
        changes = _changes(stored, field, FIELD_ATTRIBUTES)
        if changes:
            self.plan["update"].append({"kind": "field", **ident, "changes": changes})
            self.step(label, UpdateField(org_id, field_id, {a: c["after"] for a, c in
                                                            changes.items()}))
        else:
            self.plan["unchanged"] += 1
        self.update_options(label, field, stored, ident, extras)
        self.update_mappings(label, field, stored, ident)

    def update_options(self, label: str, field: Row, stored: Row, ident: Row,
                       extras: list[Row]) -> None:
        field_id, org_id = stored["id"], self.org_id
        by_key = {o["value_key"]: o for o in stored["options"]}
        ids: list[str | tuple[str]] = []  # an option's id, or (the label adding it,)
        for index, option in enumerate(field["options"]):
            found = by_key.get(option_key(option["value"]))
            where = f"{label}.options.{index}"
            if found is None:
                self.plan["create"].append({"kind": "option", **ident, "option": option["value"]})
                self.step(where, AddOption(org_id, field_id, option["value"], option["color"]))
                ids.append((where,))
                continue
            ids.append(found["id"])
            changes = _changes(found, option, ("value", "color"))
            if changes:
                self.plan["update"].append({"kind": "option", **ident, "option": found["value"],
                                            "changes": changes})
                self.step(where, UpdateOption(org_id, field_id, found["id"],
                                              {a: c["after"] for a, c in changes.items()}))
            else:
                self.plan["unchanged"] += 1
        # without a reorder: the stored order (less what prune removes), then the added
        # ones; the options the document does not list keep their places in it, and
        # those it lists take the other places, in the document's order
        unlisted = {o["id"] for o in extras}
        kept = set() if self.command.prune else unlisted
        as_left = [o["id"] for o in stored["options"] if o["id"] in kept
                   or o["id"] not in unlisted]
        as_left += [i for i in ids if isinstance(i, tuple)]
        listed = iter(ids)
        ids = [i if i in kept else next(listed) for i in as_left]
        if ids == as_left:
            return
        values: dict[Any, str] = {o["id"]: o["value"] for o in stored["options"]}
        values.update({(f"{label}.options.{n}",): o["value"]
                       for n, o in enumerate(field["options"])})
        self.plan["update"].append({"kind": "option_order", **ident, "changes": {"order": {
            "before": [o["value"] for o in stored["options"]],
            "after": [values[i] for i in ids]}}})
        self.step(f"{label}.options", partial(self.reorder, field_id, ids))

    def reorder(self, field_id: str, ids: list, results: dict[str, Any]
                ) -> Command[Any] | None:
        if any(isinstance(i, tuple) and i[0] not in results for i in ids):
            return None  # an option it places was refused
        order = [results[i[0]]["id"] if isinstance(i, tuple) else i for i in ids]
        return ReorderOptions(self.org_id, field_id, order)

    def update_mappings(self, label: str, field: Row, stored: Row, ident: Row) -> None:
        by_scope = {mapping_scope(m): m for m in stored["mappings"]}
        wanted = {mapping_scope(m) for m in field["mappings"]}
        for mapping in sorted(stored["mappings"], key=mapping_order):
            if mapping_scope(mapping) not in wanted:
                self.gone(self.mapping_entry(ident, mapping),
                          DeleteMapping(self.org_id, mapping["id"]))
        for index, mapping in enumerate(field["mappings"]):
            found = by_scope.get(mapping_scope(mapping))
            where = f"{label}.mappings.{index}"
            if found is None:
                self.plan["create"].append(self.mapping_entry(ident, mapping))
                self.step(where, self.command.mapping(stored["id"], mapping))
            elif found["json_path"] != mapping["json_path"]:
                self.plan["update"].append({**self.mapping_entry(ident, mapping), "changes": {
                    "json_path": {"before": found["json_path"], "after": mapping["json_path"]}}})
                self.step(where, UpdateMapping(self.org_id, found["id"], mapping["json_path"]))
            else:
                self.plan["unchanged"] += 1


@dataclass(frozen=True)
class ImportDefinitions(Command[Row]):
    """The document's fields (as the schema loads them) within its scope (`category`,
    `model`; None: all). The result is the plan applied."""

    org_id: str
    fields: list[Row]
    category: str | None = None
    model: str | None = None
    prune: bool = False
    dry_run: bool = False
    source: str = "API"

    def creation(self, field: Row) -> CreateField:
        return CreateField(self.org_id, field["category"], field["model"], field["name"],
                           field["description"], field["type"], list(field["options"]),
                           field["number_format"], self.source)

    def mapping(self, field_id: str, mapping: Row) -> CreateMapping:
        return CreateMapping(self.org_id, field_id, mapping["json_path"],
                             mapping["integration_slug"], mapping["connector_token"])

    def unit(self, ctx: Context, meta: Metadata | None = None) -> Callable[[Tx], Row]:
        """The rules that need no stored state, for every field and mapping of the
        document (each as its create would check it), before the write is queued."""
        refused: dict[str, Row] = {}
        attempt(refused, "scope", partial(rules.require_filter, ctx.catalogue, self.category,
                                          self.model))
        total = 1
        for index, field in enumerate(self.fields):
            attempt(refused, f"fields.{index}", partial(checked, self.creation(field), ctx))
            for number, mapping in enumerate(field["mappings"]):
                attempt(refused, f"fields.{index}.mappings.{number}",
                        partial(checked, self.mapping("", mapping), ctx))
            total += 1 + len(field["mappings"])
        if refused:
            raise BatchRefused(refused, total, "definitions")
        return partial(self.apply, ctx=ctx, meta=meta or Metadata())

    def plan(self, tx: Tx) -> tuple[Row, Batch]:
        planner = _Planner(self, tx.state.definitions(self.org_id, self.category, self.model))
        planner.build()
        return planner.plan, Batch(tuple(planner.steps), noun="changes")

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        plan, batch = self.plan(tx)
        batch.apply(tx, ctx, meta)
        if self.dry_run:
            raise DryRunDone(plan)
        return plan
