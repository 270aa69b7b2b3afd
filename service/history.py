"""A field's history: its events (options and mappings included) with before/after.

`before` and `after` show only what the event changed, worked out by folding the
field's events in order, so nothing but the log is needed to explain any change.
Every event type has a step in the fold or is marked as never part of a field's history.
Each entry also says the field's version it belongs to (`field_version`: a mapping's
event belongs to the version the field's stream was at) and, for the events a revert
wrote, the version it went back to (`reverted_to`, from the event's metadata).
"""

from collections.abc import Callable
from typing import Any

from events import StoredEvent
from events import types as ev
from projections.dispatch import HandlerTable

Change = tuple[dict[str, Any] | None, dict[str, Any] | None]
Step = Callable[["Fold", Any], Change]
STEPS: HandlerTable[Step] = HandlerTable("the field history fold")
STEPS.ignores(ev.OrganizationCreated, ev.IntegrationEnabled, ev.IntegrationDisabled,
              ev.ApiKeyIssued, ev.ApiKeyRevoked, ev.ConnectorCreated, ev.ConnectorRenamed,
              ev.ConnectorDeleted, ev.ConnectorSynced, ev.WebhookCreated, ev.WebhookUpdated,
              ev.WebhookDeleted, ev.WebhookReplayed)
step = STEPS.handles


class Fold:
    def __init__(self) -> None:
        self.field: dict[str, Any] = {}
        self.options: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.mappings: dict[str, dict[str, Any]] = {}

    def apply(self, event: ev.Event) -> Change:
        handler = STEPS.get(type(event))
        return (None, None) if handler is None else handler(self, event)


@step(ev.FieldCreated)
def _field_created(fold: Fold, e: ev.FieldCreated) -> Change:
    fold.field = {"name": e.name, "description": e.description, "type": e.type,
                  "number_format": e.number_format, "category": e.category, "model": e.model,
                  "source": e.source}
    return None, dict(fold.field)


@step(ev.FieldUpdated)
def _field_updated(fold: Fold, e: ev.FieldUpdated) -> Change:
    fold.field.update(e.changes)
    return dict(e.previous), dict(e.changes)


@step(ev.FieldDeleted)
def _field_deleted(fold: Fold, e: ev.FieldDeleted) -> Change:
    return dict(fold.field), None


@step(ev.OptionAdded)
def _option_added(fold: Fold, e: ev.OptionAdded) -> Change:
    fold.options[e.option_id] = {"id": e.option_id, "value": e.value, "color": e.color}
    fold.order.append(e.option_id)
    return None, dict(fold.options[e.option_id])


@step(ev.OptionUpdated)
def _option_updated(fold: Fold, e: ev.OptionUpdated) -> Change:
    fold.options.get(e.option_id, {}).update(e.changes)
    return dict(e.previous), dict(e.changes)


@step(ev.OptionsReordered)
def _options_reordered(fold: Fold, e: ev.OptionsReordered) -> Change:
    before, fold.order = fold.order, list(e.option_ids)
    return {"option_ids": before}, {"option_ids": list(e.option_ids)}


@step(ev.OptionRemoved)
def _option_removed(fold: Fold, e: ev.OptionRemoved) -> Change:
    fold.order = [o for o in fold.order if o != e.option_id]
    return fold.options.pop(e.option_id, None), None


@step(ev.MappingCreated)
def _mapping_created(fold: Fold, e: ev.MappingCreated) -> Change:
    fold.mappings[e.mapping_id] = {"id": e.mapping_id, "integration_slug": e.integration_slug,
                                   "connector_id": e.connector_id, "json_path": e.json_path}
    return None, dict(fold.mappings[e.mapping_id])


@step(ev.MappingUpdated)
def _mapping_updated(fold: Fold, e: ev.MappingUpdated) -> Change:
    fold.mappings.get(e.mapping_id, {})["json_path"] = e.json_path
    return {"json_path": e.previous_json_path}, {"json_path": e.json_path}


@step(ev.MappingDeleted)
def _mapping_deleted(fold: Fold, e: ev.MappingDeleted) -> Change:
    return fold.mappings.pop(e.mapping_id, None), None


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
        "reverted_to": meta.get("reverted_to"),
        "data": stored.event.to_data(),
        "hash": stored.hash,
    }


def field_history(events: list[StoredEvent]) -> list[dict[str, Any]]:
    fold = Fold()
    history = []
    field_version = 0
    for stored in events:
        if stored.stream_id.startswith("field:"):  # the field's own stream, not a mapping's
            field_version = stored.version
        before, after = fold.apply(stored.event)
        item = entry(stored)
        del item["data"]
        item["field_version"] = field_version
        item["before"], item["after"] = before, after
        history.append(item)
    return history
