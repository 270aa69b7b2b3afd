"""Field commands, for both API dialects: fields, their options, and the delete cascade.

A field's options live in the field's own stream; its mappings have streams of their
own. The field's projection row carries its stream version, so each command reads the
row once and appends with that version as the expected one.
"""

import hashlib
import json
import sqlite3
from typing import Any

from events import Metadata, WriteTransaction
from events import types as ev
from events.canonical import canonical_json
from service.catalogue import Catalogue
from service.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from service.ids import new_id

# (from, to) type changes that lose nothing; every other change is refused
SAFE_TYPE_CHANGES = {("number", "text"), ("multiselect", "text")}


def field_stream(field_id: str) -> str:
    return f"field:{field_id}"


def load_field(conn: sqlite3.Connection, org_id: str, field_id: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT id, category, model, name, description, type, number_format, version"
        " FROM fields WHERE id = ? AND org_id = ?", (field_id, org_id)).fetchone()
    if row is None:
        raise NotFound(f"no custom field with id {field_id!r}")
    keys = ("id", "category", "model", "name", "description", "type", "number_format",
            "version")
    field = dict(zip(keys, row))
    field["number_format"] = json.loads(field["number_format"]) if field["number_format"] else None
    return field


def check_precondition(if_match: str | None, current: str) -> None:
    """A client's If-Match (the ETag it read) that no longer holds is a 412."""
    if if_match is not None and if_match != current:
        raise PreconditionFailed(f'the resource has changed: its ETag is "{current}", '
                                 f'not "{if_match}"', code="PRECONDITION_FAILED")


def field_tag(version: int, mappings: list[tuple[str, int]]) -> str:
    """The v1 ETag of a field, which the v1 API shows with its mappings: the field's
    stream version, plus a digest of its mappings' (id, version) when it has any."""
    if not mappings:
        return str(version)
    digest = hashlib.sha256(canonical_json(sorted(mappings)).encode()).hexdigest()[:12]
    return f"{version}.{digest}"


def expect_version(field: dict[str, Any], if_match: str | None) -> int:
    """The version to append at, once the client's If-Match holds."""
    check_precondition(if_match, str(field["version"]))
    return field["version"]


def check_model(catalogue: Catalogue, category: str, model: str) -> None:
    if category not in catalogue.categories:
        raise ValidationFailed(f"unknown category {category!r}", code="UNKNOWN_CATEGORY",
                               errors={"category": [f"one of {', '.join(catalogue.categories)}"]})
    if not catalogue.has_model(category, model):
        models = ", ".join(m.slug for m in catalogue.models(category))
        raise ValidationFailed(f"unknown model {model!r} in {category}", code="UNKNOWN_MODEL",
                               errors={"model": [f"one of {models}"]})


def _check_name_free(conn, org_id, category, model, name, except_id=None) -> None:
    row = conn.execute(
        "SELECT id FROM fields WHERE org_id = ? AND category = ? AND model = ? AND name_key = ?",
        (org_id, category, model, name.casefold())).fetchone()
    if row is not None and row[0] != except_id:
        raise Conflict(f"a field named {name!r} already exists on {category}/{model}",
                       code="DUPLICATE_NAME")


def _option_events(field_id: str, options: list[dict[str, Any]], start: int,
                   existing: set[str]) -> list[ev.OptionAdded]:
    events, seen = [], set(existing)
    for position, option in enumerate(options, start):
        key = option["value"].casefold()
        if key in seen:
            raise Conflict(f"option {option['value']!r} is given twice or exists already",
                           code="DUPLICATE_OPTION")
        seen.add(key)
        events.append(ev.OptionAdded(field_id, new_id(), option["value"], option.get("color"),
                                     position))
    return events


def create_field(tx: WriteTransaction, *, org_id: str, catalogue: Catalogue, category: str,
                 model: str, name: str, description: str | None, type: str,
                 options: list[dict[str, Any]], number_format: dict[str, Any] | None,
                 source: str, meta: Metadata | None = None) -> dict[str, Any]:
    check_model(catalogue, category, model)
    _check_name_free(tx.conn, org_id, category, model, name)
    field_id = new_id()
    events: list[ev.Event] = [ev.FieldCreated(field_id, org_id, category, model, name,
                                              description, type, number_format, source)]
    events += _option_events(field_id, options, 0, set())
    stored = tx.append(field_stream(field_id), 0, events, org_id=org_id, metadata=meta)
    return {"id": field_id, "version": stored[-1].version,
            "options": [e.option_id for e in events[1:]]}


def update_field(tx: WriteTransaction, *, org_id: str, field_id: str, changes: dict[str, Any],
                 if_match: str | None = None, meta: Metadata | None = None) -> dict[str, Any]:
    """Change name, description, number format or (when safe) type."""
    field = load_field(tx.conn, org_id, field_id)
    version = expect_version(field, if_match)
    new_type = changes.get("type", field["type"])
    if new_type != field["type"]:
        has_options = tx.conn.execute("SELECT 1 FROM field_options WHERE field_id = ? LIMIT 1",
                                      (field_id,)).fetchone()
        if (field["type"], new_type) not in SAFE_TYPE_CHANGES or has_options:
            raise Conflict(
                f"changing type {field['type']} -> {new_type} could make existing values "
                "invalid; only number -> text and multiselect (without options) -> text are "
                "allowed", code="UNSAFE_TYPE_CHANGE")
        if field["type"] == "number" and field["number_format"] is not None:
            changes = {**changes, "number_format": None}
    if changes.get("number_format") is not None and new_type != "number":
        raise ValidationFailed("a number format is only allowed on number fields",
                               errors={"numberFormat": ["only on number fields"]})
    if "name" in changes:
        _check_name_free(tx.conn, org_id, field["category"], field["model"], changes["name"],
                         except_id=field_id)
    changed = {k: v for k, v in changes.items() if field.get(k) != v}
    if changed:
        previous = {k: field.get(k) for k in changed}
        stored = tx.append(field_stream(field_id), version,
                           [ev.FieldUpdated(field_id, changed, previous)], org_id=org_id,
                           metadata=meta)
        version = stored[-1].version
    return {"id": field_id, "version": version}


def delete_field(tx: WriteTransaction, *, org_id: str, field_id: str,
                 if_match: str | None = None, tag_covers_mappings: bool = False,
                 meta: Metadata | None = None) -> dict[str, Any]:
    """Remove the field, each of its options and each of its mappings: one event each.

    With `tag_covers_mappings` (the v1 API, whose field shows its mappings), If-Match is
    compared with `field_tag`, so a mapping the client has not seen stops the delete."""
    field = load_field(tx.conn, org_id, field_id)
    mappings = tx.conn.execute("SELECT id, version FROM mappings WHERE field_id = ?"
                               " ORDER BY id", (field_id,)).fetchall()
    if tag_covers_mappings:
        check_precondition(if_match, field_tag(field["version"], mappings))
        version = field["version"]
    else:
        version = expect_version(field, if_match)
    for mapping_id, mapping_version in mappings:
        tx.append(f"mapping:{mapping_id}", mapping_version,
                  [ev.MappingDeleted(mapping_id, field_id, "field_deleted")], org_id=org_id,
                  metadata=meta)
    option_ids = [r[0] for r in tx.conn.execute(
        "SELECT id FROM field_options WHERE field_id = ? ORDER BY position", (field_id,))]
    events: list[ev.Event] = [ev.OptionRemoved(field_id, o) for o in option_ids]
    events.append(ev.FieldDeleted(field_id))
    tx.append(field_stream(field_id), version, events, org_id=org_id, metadata=meta)
    return {"id": field_id}


def _multiselect(tx: WriteTransaction, org_id: str, field_id: str,
                 if_match: str | None) -> tuple[dict[str, Any], int]:
    field = load_field(tx.conn, org_id, field_id)
    version = expect_version(field, if_match)
    if field["type"] != "multiselect":
        raise ValidationFailed(f"field {field_id!r} is a {field['type']} field; only "
                               "multiselect fields have options", code="NOT_MULTISELECT")
    return field, version


def option_rows(conn: sqlite3.Connection, field_id: str) -> list[tuple[str, str, str | None]]:
    return conn.execute("SELECT id, value, color FROM field_options WHERE field_id = ?"
                        " ORDER BY position", (field_id,)).fetchall()


def add_option(tx: WriteTransaction, *, org_id: str, field_id: str, value: str,
               color: str | None, if_match: str | None = None,
               meta: Metadata | None = None) -> dict[str, Any]:
    _, version = _multiselect(tx, org_id, field_id, if_match)
    taken = tx.conn.execute("SELECT value FROM field_options WHERE field_id = ? AND value_key = ?",
                            (field_id, value.casefold())).fetchone()
    last = tx.conn.execute("SELECT MAX(position) FROM field_options WHERE field_id = ?",
                           (field_id,)).fetchone()[0]
    [event] = _option_events(field_id, [{"value": value, "color": color}],
                             0 if last is None else last + 1,
                             {taken[0].casefold()} if taken else set())
    stored = tx.append(field_stream(field_id), version, [event], org_id=org_id, metadata=meta)
    return {"id": event.option_id, "value": value, "color": color,
            "version": stored[-1].version}


def _find_option(options, option_id: str) -> tuple[str, str, str | None]:
    for option in options:
        if option[0] == option_id:
            return option
    raise NotFound(f"no option with id {option_id!r} on this field")


def update_option(tx: WriteTransaction, *, org_id: str, field_id: str, option_id: str,
                  changes: dict[str, Any], if_match: str | None = None,
                  meta: Metadata | None = None) -> dict[str, Any]:
    _, version = _multiselect(tx, org_id, field_id, if_match)
    options = option_rows(tx.conn, field_id)
    _, value, color = _find_option(options, option_id)
    if "value" in changes and any(v.casefold() == changes["value"].casefold()
                                  for i, v, _ in options if i != option_id):
        raise Conflict(f"option {changes['value']!r} exists already", code="DUPLICATE_OPTION")
    current = {"value": value, "color": color}
    changed = {k: v for k, v in changes.items() if current[k] != v}
    if changed:
        tx.append(field_stream(field_id), version,
                  [ev.OptionUpdated(field_id, option_id, changed,
                                    {k: current[k] for k in changed})],
                  org_id=org_id, metadata=meta)
    return {"id": option_id, **current, **changes}


def remove_option(tx: WriteTransaction, *, org_id: str, field_id: str, option_id: str,
                  if_match: str | None = None, meta: Metadata | None = None) -> dict[str, Any]:
    _, version = _multiselect(tx, org_id, field_id, if_match)
    options = option_rows(tx.conn, field_id)
    _find_option(options, option_id)
    # Positions only order the options; a gap left by a removal changes nothing.
    tx.append(field_stream(field_id), version, [ev.OptionRemoved(field_id, option_id)],
              org_id=org_id, metadata=meta)
    return {"id": option_id}


def reorder_options(tx: WriteTransaction, *, org_id: str, field_id: str,
                    option_ids: list[str], if_match: str | None = None,
                    meta: Metadata | None = None) -> dict[str, Any]:
    _, version = _multiselect(tx, org_id, field_id, if_match)
    current = [o[0] for o in option_rows(tx.conn, field_id)]
    if sorted(option_ids) != sorted(current) or len(set(option_ids)) != len(option_ids):
        raise ValidationFailed("optionIds must list every option of the field exactly once",
                               code="INVALID_OPTION_ORDER",
                               errors={"optionIds": ["every option id exactly once"]})
    if option_ids != current:
        tx.append(field_stream(field_id), version, [ev.OptionsReordered(field_id, option_ids)],
                  org_id=org_id, metadata=meta)
    return {"id": field_id, "option_ids": option_ids}
