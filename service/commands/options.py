"""Option commands of multiselect fields: add, change value or colour, remove, reorder.

Options live in their field's stream, so each command appends at the field's version
(If-Match compares with it). Positions only order the options: a gap left by a removal
changes nothing, and adding puts the option after the last one.
"""

from dataclasses import dataclass
from typing import Any

from events import Metadata
from events import types as ev
from service import fieldtypes
from service.commands.base import Command, Context, Tx
from service.commands.fields import Scope, field_version, load_field, option_events
from service.commands.streams import field_stream
from service.errors import DuplicateOption, InvalidOptionOrder, NotMultiselect, OptionNotFound
from service.keys import option_key

Row = dict[str, Any]


def _options_field(tx: Tx, org_id: str, field_id: str, if_match: str | None,
                   scope: Scope) -> int:
    """The field's version, once it is found, has options and the If-Match holds."""
    found = load_field(tx, org_id, field_id, scope)
    version = field_version(tx, field_id, if_match)
    if not fieldtypes.field_type(found["type"]).has_options:
        raise NotMultiselect(field_id, found["type"])
    return version


def _option(options: list[Row], option_id: str) -> Row:
    for option in options:
        if option["id"] == option_id:
            return option
    raise OptionNotFound(option_id)


@dataclass(frozen=True)
class AddOption(Command[Row]):
    org_id: str
    field_id: str
    value: str
    color: str | None = None
    if_match: str | None = None
    scope: Scope = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self.org_id, self.field_id, self.if_match, self.scope)
        taken = tx.state.option_id_by_value_key(self.field_id, option_key(self.value))
        last = tx.state.last_option_position(self.field_id)
        [event] = option_events(self.field_id, [{"value": self.value, "color": self.color}],
                                0 if last is None else last + 1,
                                {option_key(self.value)} if taken else set())
        [stored] = tx.append(field_stream(self.field_id), version, [event], org_id=self.org_id,
                             metadata=meta)
        return {"id": event.option_id, "value": self.value, "color": self.color,
                "version": stored.version}


@dataclass(frozen=True)
class UpdateOption(Command[Row]):
    org_id: str
    field_id: str
    option_id: str
    changes: Row
    if_match: str | None = None
    scope: Scope = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self.org_id, self.field_id, self.if_match, self.scope)
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
        return {"id": self.option_id, **current, **self.changes, "version": version}


@dataclass(frozen=True)
class RemoveOption(Command[Row]):
    org_id: str
    field_id: str
    option_id: str
    if_match: str | None = None
    scope: Scope = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self.org_id, self.field_id, self.if_match, self.scope)
        _option(tx.state.options(self.field_id), self.option_id)
        [stored] = tx.append(field_stream(self.field_id), version,
                             [ev.OptionRemoved(self.field_id, self.option_id)],
                             org_id=self.org_id, metadata=meta)
        return {"id": self.option_id, "version": stored.version}


@dataclass(frozen=True)
class ReorderOptions(Command[Row]):
    org_id: str
    field_id: str
    option_ids: list[str]
    if_match: str | None = None
    scope: Scope = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        version = _options_field(tx, self.org_id, self.field_id, self.if_match, self.scope)
        current = [o["id"] for o in tx.state.options(self.field_id)]
        if (sorted(self.option_ids) != sorted(current)
                or len(set(self.option_ids)) != len(self.option_ids)):
            raise InvalidOptionOrder()
        if self.option_ids != current:
            [stored] = tx.append(field_stream(self.field_id), version,
                                 [ev.OptionsReordered(self.field_id, list(self.option_ids))],
                                 org_id=self.org_id, metadata=meta)
            version = stored.version
        return {"id": self.field_id, "option_ids": list(self.option_ids), "version": version}
