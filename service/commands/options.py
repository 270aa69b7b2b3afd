"""Option commands of multiselect fields: add, change value or colour, remove, reorder.

Options live in their field's stream, so each command appends at the field's version
(If-Match compares with it). Positions only order the options: a gap left by a removal
changes nothing, and adding puts the option after the last one.
"""

from dataclasses import dataclass, replace
from typing import Any

from events import Metadata
from events import types as ev
from service import fieldtypes
from service.commands.base import Command, Context, Tx
from service.commands.fields import Scope, current_tag, field_version, load_field, option_events
from service.commands.streams import field_stream
from service.errors import DuplicateOption, InvalidOptionOrder, NotMultiselect, OptionNotFound
from service.keys import option_key

Row = dict[str, Any]


def _options_field(tx: Tx, command: "OptionCommand") -> int:
    """The field's version, once it is found, has options and the If-Match holds."""
    org_id, field_id = command.org_id, command.field_id
    found = load_field(tx, org_id, field_id, command.scope)
    version = field_version(tx, field_id, command.if_match, command.tag_covers_mappings)
    if not fieldtypes.field_type(found["type"]).has_options:
        raise NotMultiselect(field_id, found["type"])
    return version


def _option(options: list[Row], option_id: str) -> Row:
    for option in options:
        if option["id"] == option_id:
            return option
    raise OptionNotFound(option_id)


class OptionCommand(Command[Row]):
    """What every option command has: its field, the If-Match, the dialect's scope and
    whether the dialect's ETag covers the field's mappings (v1). Results carry `tag`,
    the field's ETag once written."""

    org_id: str
    field_id: str
    if_match: str | None
    scope: Scope
    tag_covers_mappings: bool

    def tagged(self, tx: Tx, result: Row) -> Row:
        """The result with the field's ETag (its version, unless the tag covers mappings)."""
        tag = (current_tag(tx, self.field_id, True) if self.tag_covers_mappings
               else str(result["version"]))
        return {**result, "tag": tag}


@dataclass(frozen=True)
class AddOption(OptionCommand):
    org_id: str
    field_id: str
    value: str
    color: str | None = None
    if_match: str | None = None
    scope: Scope = None
    tag_covers_mappings: bool = False
    option_id: str | None = None  # a removed option a revert brings back keeps its id

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self)
        taken = tx.state.option_id_by_value_key(self.field_id, option_key(self.value))
        last = tx.state.last_option_position(self.field_id)
        [event] = option_events(self.field_id, [{"value": self.value, "color": self.color}],
                                0 if last is None else last + 1,
                                {option_key(self.value)} if taken else set())
        if self.option_id is not None:
            event = replace(event, option_id=self.option_id)
        [stored] = tx.append(field_stream(self.field_id), version, [event], org_id=self.org_id,
                             metadata=meta)
        return self.tagged(tx, {"id": event.option_id, "value": self.value,
                                "color": self.color, "version": stored.version})


@dataclass(frozen=True)
class UpdateOption(OptionCommand):
    org_id: str
    field_id: str
    option_id: str
    changes: Row
    if_match: str | None = None
    scope: Scope = None
    tag_covers_mappings: bool = False

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self)
        options = tx.state.options(self.field_id)
        option = _option(options, self.option_id)
        key = None
        if "value" in self.changes:
            key = option_key(self.changes["value"])
            if any(o["value_key"] == key for o in options if o["id"] != self.option_id):
                raise DuplicateOption(f"option {self.changes['value']!r} exists already")
        current = {"value": option["value"], "color": option["color"]}
        changed = {k: v for k, v in self.changes.items() if current[k] != v}
        if changed:
            [stored] = tx.append(field_stream(self.field_id), version, [ev.OptionUpdated(
                self.field_id, self.option_id, changed, {k: current[k] for k in changed},
                key if "value" in changed else None)], org_id=self.org_id, metadata=meta)
            version = stored.version
        return self.tagged(tx, {"id": self.option_id, **current, **self.changes,
                                "version": version})


@dataclass(frozen=True)
class RemoveOption(OptionCommand):
    org_id: str
    field_id: str
    option_id: str
    if_match: str | None = None
    scope: Scope = None
    tag_covers_mappings: bool = False

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self)
        _option(tx.state.options(self.field_id), self.option_id)
        [stored] = tx.append(field_stream(self.field_id), version,
                             [ev.OptionRemoved(self.field_id, self.option_id)],
                             org_id=self.org_id, metadata=meta)
        return self.tagged(tx, {"id": self.option_id, "version": stored.version})


@dataclass(frozen=True)
class ReorderOptions(OptionCommand):
    org_id: str
    field_id: str
    option_ids: list[str]
    if_match: str | None = None
    scope: Scope = None
    tag_covers_mappings: bool = False
    option_ids_attribute: str = "option_ids"  # how the dialect names the list in its body

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self)
        current = [o["id"] for o in tx.state.options(self.field_id)]
        if (sorted(self.option_ids) != sorted(current)
                or len(set(self.option_ids)) != len(self.option_ids)):
            raise InvalidOptionOrder(self.option_ids_attribute)
        if self.option_ids != current:
            [stored] = tx.append(field_stream(self.field_id), version,
                                 [ev.OptionsReordered(self.field_id, list(self.option_ids))],
                                 org_id=self.org_id, metadata=meta)
            version = stored.version
        return self.tagged(tx, {"id": self.field_id, "option_ids": list(self.option_ids),
                                "version": version})
