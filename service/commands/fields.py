"""Field commands, for every front-end: create, update (safe type changes only), delete
with its cascade.

A field's options live in the field's own stream; its mappings have streams of their
own. Expected versions come from the store (`tx.stream_version`). A dialect that serves
one model only (the persons API: CRM person) passes it as `scope`: a field of another
model is not found there.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from events import Metadata
from events import types as ev
from events.canonical import canonical_json
from service import fieldtypes, rules
from service.commands.base import Command, Context, Tx
from service.commands.streams import field_stream, mapping_stream
from service.errors import (
    DuplicateName,
    DuplicateOption,
    FieldNotFound,
    UnsafeTypeChange,
    ValidationFailed,
)
from service.ids import new_id
from service.keys import name_key, option_key

Row = dict[str, Any]
Scope = tuple[str, str] | None  # the (category, model) a dialect is restricted to


def in_scope(field: Row | None, scope: Scope) -> TypeGuard[Row]:
    """The field exists and is of the dialect's model (any model without a scope)."""
    return field is not None and (scope is None
                                  or (field["category"], field["model"]) == scope)


def load_field(tx: Tx, org_id: str, field_id: str, scope: Scope = None) -> Row:
    found = tx.state.field(org_id, field_id)
    if not in_scope(found, scope):
        raise FieldNotFound(field_id)
    return found


def field_tag(version: int, mappings: list[tuple[str, int]]) -> str:
    """The v1 ETag of a field, which the v1 API shows with its mappings: the field's
    stream version, plus a digest of its mappings' (id, version) when it has any."""
    if not mappings:
        return str(version)
    digest = hashlib.sha256(canonical_json(sorted(mappings)).encode()).hexdigest()[:12]
    return f"{version}.{digest}"


def mapping_versions(tx: Tx, field_id: str) -> list[tuple[str, int]]:
    return [(m, tx.stream_version(mapping_stream(m)))
            for m in tx.state.mapping_ids_of_field(field_id)]


def current_tag(tx: Tx, field_id: str, covers_mappings: bool) -> str:
    """The field's ETag as this transaction leaves it: its version (the persons API), or
    the v1 tag that also covers its mappings."""
    version = tx.stream_version(field_stream(field_id))
    return field_tag(version, mapping_versions(tx, field_id)) if covers_mappings \
        else str(version)


def field_version(tx: Tx, field_id: str, if_match: str | None,
                  covers_mappings: bool = False) -> int:
    """The version to append at, once the client's If-Match holds (compared with the
    tag of the dialect that read it)."""
    version = tx.stream_version(field_stream(field_id))
    if if_match is not None:
        rules.require_precondition(if_match, field_tag(version, mapping_versions(tx, field_id))
                                   if covers_mappings else version)
    return version


def field_snapshot(tx: Tx, org_id: str, field_id: str) -> Row:
    """The field as this transaction leaves it: attributes, options and version."""
    snapshot = load_field(tx, org_id, field_id)
    snapshot["options"] = [{"id": o["id"], "value": o["value"], "color": o["color"]}
                           for o in tx.state.options(field_id)]
    snapshot["version"] = tx.stream_version(field_stream(field_id))
    return snapshot


def refuse_taken_name(tx: Tx, org_id: str, category: str, model: str, name: str,
                      except_id: str | None = None) -> str:
    """The name's key, once no other field of the model has it."""
    key = name_key(name)
    holder = tx.state.field_id_by_name_key(org_id, category, model, key)
    if holder is not None and holder != except_id:
        raise DuplicateName(name, category, model)
    return key


def option_events(field_id: str, options: list[Row], start: int,
                  taken: set[str]) -> list[ev.OptionAdded]:
    """One OptionAdded per option, refusing a value whose key is taken or given twice."""
    events, seen = [], set(taken)
    for position, option in enumerate(options, start):
        key = option_key(option["value"])
        if key in seen:
            raise DuplicateOption(f"option {option['value']!r} is given twice or exists already")
        seen.add(key)
        events.append(ev.OptionAdded(field_id, new_id(), option["value"], option.get("color"),
                                     position, key))
    return events


@dataclass(frozen=True)
class CreateField(Command[Row]):
    org_id: str
    category: str
    model: str
    name: str
    description: str | None = None
    type: str = fieldtypes.DEFAULT_TYPE
    options: list[Row] = field(default_factory=list)
    number_format: Row | None = None
    source: str = "API"

    def check(self, ctx: Context) -> None:
        rules.require_model(ctx.catalogue, self.category, self.model)
        refused = fieldtypes.extras_refused(self.type, options=bool(self.options),
                                            number_format=self.number_format is not None)
        if refused:
            raise ValidationFailed("the request is not valid",
                                   errors={k: [v] for k, v in refused.items()})

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        key = refuse_taken_name(tx, self.org_id, self.category, self.model, self.name)
        field_id = new_id()
        options = option_events(field_id, self.options, 0, set())
        events: list[ev.Event] = [ev.FieldCreated(
            field_id, self.org_id, self.category, self.model, self.name, self.description,
            self.type, self.number_format, self.source, key), *options]
        stored = tx.append(field_stream(field_id), 0, events, org_id=self.org_id,
                           metadata=meta)
        return {"id": field_id, "version": stored[-1].version,
                "options": [e.option_id for e in options]}


@dataclass(frozen=True)
class UpdateField(Command[Row]):
    """Change name, description, number format or (when safe) type.

    `tag_covers_mappings`: the v1 dialect, whose ETag also covers the field's mappings;
    `number_format_attribute`: how the dialect names the number format in its bodies."""

    org_id: str
    field_id: str
    changes: Row
    if_match: str | None = None
    scope: Scope = None
    tag_covers_mappings: bool = False
    number_format_attribute: str = "number_format"

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        current = load_field(tx, self.org_id, self.field_id, self.scope)
        version = field_version(tx, self.field_id, self.if_match, self.tag_covers_mappings)
        changes = dict(self.changes)
        old_type = fieldtypes.field_type(current["type"])
        new_type = fieldtypes.field_type(str(changes.get("type", current["type"])))
        if new_type is not old_type:
            has_options = bool(tx.state.options(self.field_id))
            if not old_type.can_change_to(new_type, has_options=has_options):
                raise UnsafeTypeChange(old_type.name, new_type.name,
                                       fieldtypes.safe_changes_text())
            if not new_type.has_number_format and current["number_format"] is not None:
                changes["number_format"] = None
        if changes.get("number_format") is not None and not new_type.has_number_format:
            why = fieldtypes.extras_refused(new_type.name, options=False,
                                            number_format=True)["number_format"]
            raise ValidationFailed(why, errors={self.number_format_attribute: [why]})
        key = None
        if "name" in changes:
            key = refuse_taken_name(tx, self.org_id, current["category"], current["model"],
                                    changes["name"], except_id=self.field_id)
        changed = {k: v for k, v in changes.items() if current.get(k) != v}
        if changed:
            previous = {k: current.get(k) for k in changed}
            [stored] = tx.append(field_stream(self.field_id), version, [ev.FieldUpdated(
                self.field_id, changed, previous, key if "name" in changed else None)],
                org_id=self.org_id, metadata=meta)
            version = stored.version
        return {"id": self.field_id, "version": version,
                "tag": current_tag(tx, self.field_id, self.tag_covers_mappings)}


@dataclass(frozen=True)
class DeleteField(Command[Row]):
    """Remove the field, each of its options and each of its mappings: one event each.

    With `tag_covers_mappings` (the v1 API, whose field shows its mappings), If-Match is
    compared with `field_tag`, so a mapping the client has not seen stops the delete."""

    org_id: str
    field_id: str
    if_match: str | None = None
    tag_covers_mappings: bool = False
    scope: Scope = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        load_field(tx, self.org_id, self.field_id, self.scope)
        version = field_version(tx, self.field_id, self.if_match, self.tag_covers_mappings)
        for mapping_id, mapping_version in mapping_versions(tx, self.field_id):
            tx.append(mapping_stream(mapping_id), mapping_version,
                      [ev.MappingDeleted(mapping_id, self.field_id, "field_deleted")],
                      org_id=self.org_id, metadata=meta)
        events: list[ev.Event] = [ev.OptionRemoved(self.field_id, o["id"])
                                  for o in tx.state.options(self.field_id)]
        events.append(ev.FieldDeleted(self.field_id))
        tx.append(field_stream(self.field_id), version, events, org_id=self.org_id,
                  metadata=meta)
        return {"id": self.field_id}
