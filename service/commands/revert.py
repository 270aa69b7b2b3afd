"""Reverting a field to an earlier version: its definition, options and mappings as they
were then, brought back by the field's own commands in one transaction, as new events
whose metadata says `reverted_to` (the log is never rewritten).

Version n is the field's stream at version n, and what the field was at version n is
its state from the field event at n until the one at n + 1 (or until now): a mapping's
change made while the field stayed at n belongs to n. So the point in the log is found
by the field event at n + 1: `state_at` folds the field's events (its stream and its
mappings' streams, in log order, with the history's fold) up to just before it.
Reverting to the current version changes nothing.

The steps, each an existing command, so every rule holds (the type registry's safe
changes included): the options the version did not have are removed; the definition
(name, description, type, number format) is updated; options are changed back (a value
held meanwhile by another option waits until it is free, and of values swapped among
options one option goes out and comes back); the options the version had come back
with their own ids; the order is set. Then the mappings, by scope: one at a scope the
version had none at is deleted, one at a scope it had takes its expression, and one
the version had at a scope that has none now is created anew (a new id: a deleted
mapping's stream stays closed). A step's refusal refuses the revert, said as a revert's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from events import Metadata, StoredEvent
from service.commands.base import Command, Context, Tx
from service.commands.fields import UpdateField, field_tag, field_version, load_field
from service.commands.mappings import CreateMapping, DeleteMapping, UpdateMapping
from service.commands.options import AddOption, RemoveOption, ReorderOptions, UpdateOption
from service.commands.streams import field_stream
from service.errors import DomainError, RevertConflict, UnknownVersion
from service.history import Fold
from service.jmes import ExpressionCache
from service.keys import option_key

Row = dict[str, Any]
DEFINITION = ("name", "description", "type", "number_format")


@dataclass(frozen=True)
class FieldState:
    """A field as it was at one version."""

    definition: Row      # name, description, type, number_format
    options: list[Row]   # {"id", "value", "color"}, in their order
    mappings: list[Row]  # {"id", "integration_slug", "connector_id", "json_path"}


def state_at(events: Iterable[StoredEvent], field_id: str, version: int) -> FieldState | None:
    """The field's last state at `version`, from its events in log order; None when its
    stream never reached that version."""
    stream, fold, reached = field_stream(field_id), Fold(), False
    for stored in events:
        if stored.stream_id == stream:
            if stored.version > version:
                break
            reached = reached or stored.version == version
        fold.apply(stored.event)
    if not reached:
        return None
    return FieldState({k: fold.field.get(k) for k in DEFINITION},
                      [dict(fold.options[i]) for i in fold.order],
                      [dict(m) for m in fold.mappings.values()])


def scope_of(mapping: Row) -> tuple[str, str]:
    """A mapping's scope: ("connector", id) or ("integration", slug)."""
    if mapping["connector_id"] is not None:
        return "connector", mapping["connector_id"]
    return "integration", mapping["integration_slug"]


def field_answer(tx: Tx, org_id: str, field_id: str) -> Row:
    """The field as the v1 read shows it (its row with options, its mappings) and its tag."""
    field = tx.state.field_view(org_id, field_id)
    assert field is not None
    mappings = tx.state.field_mappings(field_id)
    return {"field": field, "mappings": mappings,
            "tag": field_tag(field["version"], [(m["id"], m["version"]) for m in mappings])}


def said_as_revert(exc: DomainError, version: int) -> DomainError:
    """A step's refusal, its detail saying it refused the revert."""
    if not exc.detail.startswith("cannot revert"):
        exc.detail = f"cannot revert to version {version}: {exc.detail}"
        exc.args = (exc.detail,)
    return exc


@dataclass(frozen=True)
class RevertField(Command[Row]):
    """The field back at `to_version`. If-Match is compared with the v1 tag, which
    covers the field's mappings. The result is `field_answer`."""

    org_id: str
    field_id: str
    to_version: int
    if_match: str | None = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        load_field(tx, self.org_id, self.field_id)
        current = field_version(tx, self.field_id, self.if_match, covers_mappings=True)
        if not 1 <= self.to_version <= current:
            raise UnknownVersion(self.to_version, current)
        if self.to_version < current:
            target = state_at(tx.state.field_events(self.org_id, self.field_id),
                              self.field_id, self.to_version)
            assert target is not None, "the stream has every version up to its current one"
            # a cache of its own: the writer thread never touches the shared one
            steps = _Restore(tx, replace(ctx, expressions=ExpressionCache(16)),
                             replace(meta, reverted_to=self.to_version), self)
            try:
                steps.run(target)
            except DomainError as exc:
                raise said_as_revert(exc, self.to_version) from None
        return field_answer(tx, self.org_id, self.field_id)


class _Restore:
    """The steps of one revert, each an existing command run in the transaction."""

    def __init__(self, tx: Tx, ctx: Context, meta: Metadata, revert: RevertField) -> None:
        self.tx, self.ctx, self.meta = tx, ctx, meta
        self.org_id, self.field_id, self.version = (revert.org_id, revert.field_id,
                                                    revert.to_version)

    def do(self, command: Command[Any]) -> None:
        command.check(self.ctx)
        command.apply(self.tx, self.ctx, self.meta)

    def options(self) -> list[Row]:
        return self.tx.state.options(self.field_id)

    def run(self, target: FieldState) -> None:
        org_id, field_id = self.org_id, self.field_id
        kept = {o["id"] for o in target.options}
        for option in self.options():
            if option["id"] not in kept:
                self.do(RemoveOption(org_id, field_id, option["id"]))
        current = self.tx.state.field(org_id, field_id) or {}
        changes = {k: v for k, v in target.definition.items() if current.get(k) != v}
        if changes:
            self.do(UpdateField(org_id, field_id, changes))
        self.change_options(target.options)
        present = {o["id"] for o in self.options()}
        for option in target.options:
            if option["id"] not in present:
                self.do(AddOption(org_id, field_id, option["value"], option["color"],
                                  option_id=option["id"]))
        order = [o["id"] for o in target.options]
        if [o["id"] for o in self.options()] != order:
            self.do(ReorderOptions(org_id, field_id, order))
        self.restore_mappings(target.mappings)

    def change_options(self, target: list[Row]) -> None:
        wanted = {o["id"]: o for o in target}
        pending = {}
        for option in self.options():
            if option["id"] in wanted:
                changes = {k: wanted[option["id"]][k] for k in ("value", "color")
                           if option[k] != wanted[option["id"]][k]}
                if changes:
                    pending[option["id"]] = changes
        while pending:
            holders = {o["value_key"]: o["id"] for o in self.options()}
            ready = [i for i, changes in pending.items() if "value" not in changes
                     or holders.get(option_key(changes["value"]), i) == i]
            if not ready:  # values swapped among options: one goes out, to come back
                first = next(iter(pending))
                self.do(RemoveOption(self.org_id, self.field_id, first))
                del pending[first]
            for option_id in ready:
                self.do(UpdateOption(self.org_id, self.field_id, option_id,
                                     pending.pop(option_id)))

    def restore_mappings(self, target: list[Row]) -> None:
        now = {scope_of(m): m for m in self.tx.state.field_mappings(self.field_id)}
        wanted = {scope_of(m): m for m in target}
        for scope, mapping in now.items():
            if scope not in wanted:
                self.do(DeleteMapping(self.org_id, mapping["id"]))
        for scope, mapping in wanted.items():
            there = now.get(scope)
            if there is None:
                self.do(self.recreated(mapping))
            elif there["json_path"] != mapping["json_path"]:
                self.do(UpdateMapping(self.org_id, there["id"], mapping["json_path"]))

    def recreated(self, mapping: Row) -> CreateMapping:
        """The command making the mapping again, once what it needs is still there."""
        json_path, connector_id = mapping["json_path"], mapping["connector_id"]
        if connector_id is not None:
            connector = self.tx.state.connector(self.org_id, connector_id)
            if connector is None:
                raise RevertConflict(self.version, f"its mapping for connector {connector_id!r}"
                                     f" ({json_path!r}) cannot come back: the connector has "
                                     "been deleted since", "CONNECTOR_DELETED")
            slug = connector["integration_slug"]
            command = CreateMapping(self.org_id, self.field_id, json_path,
                                    connector_token=connector["token"])
        else:
            slug = mapping["integration_slug"]
            command = CreateMapping(self.org_id, self.field_id, json_path,
                                    integration_slug=slug)
        if slug not in self.tx.state.enabled_integrations(self.org_id):
            raise RevertConflict(self.version, f"its mapping for {scope_words(mapping)} "
                                 f"({json_path!r}) cannot come back: the integration {slug!r}"
                                 " is no longer enabled for this organization",
                                 "INTEGRATION_DISABLED")
        return command


def scope_words(mapping: Row) -> str:
    kind, key = scope_of(mapping)
    return f"{kind} {key!r}"
