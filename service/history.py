"""A field's history: its events (options and mappings included) with before/after.

`before` and `after` show only what the event changed, worked out by folding the
field's events in order, so nothing but the log is needed to explain any change.
"""

from typing import Any

from events import StoredEvent
from events import types as ev

Change = tuple[dict[str, Any] | None, dict[str, Any] | None]


class _Fold:
    def __init__(self) -> None:
        self.field: dict[str, Any] = {}
        self.options: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.mappings: dict[str, dict[str, Any]] = {}

    def apply(self, e: ev.Event) -> Change:
        match e:
            case ev.FieldCreated():
                self.field = {"name": e.name, "description": e.description, "type": e.type,
                              "number_format": e.number_format, "category": e.category,
                              "model": e.model, "source": e.source}
                return None, dict(self.field)
            case ev.FieldUpdated():
                self.field.update(e.changes)
                return dict(e.previous), dict(e.changes)
            case ev.FieldDeleted():
                return dict(self.field), None
            case ev.OptionAdded():
                self.options[e.option_id] = {"id": e.option_id, "value": e.value,
                                             "color": e.color}
                self.order.append(e.option_id)
                return None, dict(self.options[e.option_id])
            case ev.OptionUpdated():
                self.options.get(e.option_id, {}).update(e.changes)
                return dict(e.previous), dict(e.changes)
            case ev.OptionsReordered():
                before, self.order = self.order, list(e.option_ids)
                return {"option_ids": before}, {"option_ids": list(e.option_ids)}
            case ev.OptionRemoved():
                self.order = [o for o in self.order if o != e.option_id]
                return self.options.pop(e.option_id, None), None
            case ev.MappingCreated():
                self.mappings[e.mapping_id] = {
                    "id": e.mapping_id, "integration_slug": e.integration_slug,
                    "connector_id": e.connector_id, "json_path": e.json_path}
                return None, dict(self.mappings[e.mapping_id])
            case ev.MappingUpdated():
                self.mappings.get(e.mapping_id, {})["json_path"] = e.json_path
                return {"json_path": e.previous_json_path}, {"json_path": e.json_path}
            case ev.MappingDeleted():
                return self.mappings.pop(e.mapping_id, None), None
        return None, None


def entry(stored: StoredEvent) -> dict[str, Any]:
    """An event as the audit endpoints show it."""
    meta = stored.metadata
    return {
        "seq": stored.seq,
        "event_id": stored.event_id,
        "type": stored.type,
        "schema_version": stored.schema_version,
        "stream_id": stored.stream_id,
        "stream_version": stored.version,
        "recorded_at": stored.recorded_at,
        "key_id": meta.get("key_id"),
        "source": meta.get("source"),
        "request_id": meta.get("request_id"),
        "idempotency_key": meta.get("idempotency_key"),
        "data": stored.event.to_data(),
        "hash": stored.hash,
    }


def field_history(events: list[StoredEvent]) -> list[dict[str, Any]]:
    fold = _Fold()
    history = []
    for stored in events:
        before, after = fold.apply(stored.event)
        item = entry(stored)
        del item["data"]
        item["before"], item["after"] = before, after
        history.append(item)
    return history
