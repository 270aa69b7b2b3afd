"""Every event type, declared once: a frozen dataclass with its name and schema version.

An event's shape lives here and nowhere else. Older stored versions are brought up to
the current one by the upcasters in `events.upcasting` when the log is read.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from events.errors import UnknownEventType

_REGISTRY: dict[str, type["Event"]] = {}
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # declared field names per event class

E = TypeVar("E", bound="type[Event]")


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all domain events. Subclasses set `type_name` and `schema_version`."""

    type_name: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1

    def to_data(self) -> dict[str, Any]:
        """The event's fields as a dict (values are JSON data, shared, never mutated)."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self))
        return {name: getattr(self, name) for name in names}


def event_type(name: str, version: int = 1) -> Callable[[E], E]:
    """Register a frozen dataclass as the current version of event type `name`."""

    def register(cls: E) -> E:
        if name in _REGISTRY:
            raise ValueError(f"event type {name!r} declared twice")
        cls.type_name = name
        cls.schema_version = version
        _REGISTRY[name] = cls
        return cls

    return register


def registered_types() -> dict[str, type[Event]]:
    """Every declared event type by name (a copy)."""
    return dict(_REGISTRY)


def event_class(name: str) -> type[Event]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownEventType(name) from None


def from_data(name: str, data: dict[str, Any]) -> Event:
    """The typed event; keys the type does not declare are ignored."""
    cls = event_class(name)
    try:
        return cls(**data)
    except TypeError:  # an extra key: keep only the declared ones (missing ones still fail)
        known = _FIELD_NAMES.get(cls)
        if known is None:
            known = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
        return cls(**{k: v for k, v in data.items() if k in known})


# --- tenancy -------------------------------------------------------------------------

@event_type("OrganizationCreated")
@dataclass(frozen=True, slots=True)
class OrganizationCreated(Event):
    org_id: str
    slug: str
    name: str


@event_type("IntegrationEnabled")
@dataclass(frozen=True, slots=True)
class IntegrationEnabled(Event):
    org_id: str
    integration_slug: str


@event_type("ApiKeyIssued")
@dataclass(frozen=True, slots=True)
class ApiKeyIssued(Event):
    key_id: str
    org_id: str
    key_hash: str  # sha256 of the secret; the secret itself never enters the log
    prefix: str


@event_type("ApiKeyRevoked")
@dataclass(frozen=True, slots=True)
class ApiKeyRevoked(Event):
    key_id: str
    org_id: str


@event_type("ConnectorCreated")
@dataclass(frozen=True, slots=True)
class ConnectorCreated(Event):
    connector_id: str
    org_id: str
    integration_slug: str
    name: str
    token: str


@event_type("IntegrationDisabled")
@dataclass(frozen=True, slots=True)
class IntegrationDisabled(Event):
    org_id: str
    integration_slug: str


@event_type("ConnectorRenamed")
@dataclass(frozen=True, slots=True)
class ConnectorRenamed(Event):
    connector_id: str
    name: str
    previous_name: str


@event_type("ConnectorDeleted")
@dataclass(frozen=True, slots=True)
class ConnectorDeleted(Event):
    connector_id: str  # its connector-scoped mappings are deleted first, each an event


@event_type("ConnectorSynced", version=2)
@dataclass(frozen=True, slots=True)
class ConnectorSynced(Event):
    connector_id: str
    category: str
    model: str
    received: int  # distinct remote ids: inserted + updated + unchanged
    inserted: int
    updated: int
    unchanged: int
    digest: str  # sha256 over the canonical JSON of the records, in request order
    duplicates: int = 0  # records of the call folded into a later one with their remote id


# --- fields and options (stream field:<id>) ----------------------------------------------

@event_type("FieldCreated", version=3)
@dataclass(frozen=True, slots=True)
class FieldCreated(Event):
    field_id: str
    org_id: str
    category: str
    model: str
    name: str
    description: str | None
    type: str
    number_format: dict[str, Any] | None
    source: str
    name_key: str  # the name's uniqueness key, as the command computed it


@event_type("FieldUpdated", version=2)
@dataclass(frozen=True, slots=True)
class FieldUpdated(Event):
    field_id: str
    changes: dict[str, Any]  # only the attributes that changed, with their new values
    previous: dict[str, Any]  # the same attributes' values before
    name_key: str | None = None  # the new name's uniqueness key, when the name changed


@event_type("FieldDeleted")
@dataclass(frozen=True, slots=True)
class FieldDeleted(Event):
    field_id: str


@event_type("OptionAdded", version=2)
@dataclass(frozen=True, slots=True)
class OptionAdded(Event):
    field_id: str
    option_id: str
    value: str
    color: str | None
    position: int
    value_key: str  # the value's uniqueness key within the field, as the command computed it


@event_type("OptionUpdated", version=2)
@dataclass(frozen=True, slots=True)
class OptionUpdated(Event):
    field_id: str
    option_id: str
    changes: dict[str, Any]
    previous: dict[str, Any]
    value_key: str | None = None  # the new value's uniqueness key, when the value changed


@event_type("OptionsReordered")
@dataclass(frozen=True, slots=True)
class OptionsReordered(Event):
    field_id: str
    option_ids: list[str]  # the new order, every option of the field once


@event_type("OptionRemoved")
@dataclass(frozen=True, slots=True)
class OptionRemoved(Event):
    field_id: str
    option_id: str


# --- mappings (stream mapping:<id>) -------------------------------------------------------

@event_type("MappingCreated")
@dataclass(frozen=True, slots=True)
class MappingCreated(Event):
    mapping_id: str
    org_id: str
    field_id: str
    integration_slug: str | None
    connector_id: str | None
    json_path: str


@event_type("MappingUpdated")
@dataclass(frozen=True, slots=True)
class MappingUpdated(Event):
    mapping_id: str
    field_id: str
    json_path: str
    previous_json_path: str


@event_type("MappingDeleted")
@dataclass(frozen=True, slots=True)
class MappingDeleted(Event):
    mapping_id: str
    field_id: str
    reason: str  # "deleted" or "field_deleted"


# --- webhooks (stream webhook:<id>) -------------------------------------------------------
# The signing secret is not part of any event: it lives beside the log (webhook_secrets),
# written in the transaction that appends WebhookCreated.

@event_type("WebhookCreated")
@dataclass(frozen=True, slots=True)
class WebhookCreated(Event):
    webhook_id: str
    org_id: str
    url: str
    events: list[str]  # the event names and `prefix.*` patterns subscribed to, as given
    description: str | None


@event_type("WebhookUpdated")
@dataclass(frozen=True, slots=True)
class WebhookUpdated(Event):
    webhook_id: str
    changes: dict[str, Any]  # only the attributes that changed (url, events, description)
    previous: dict[str, Any]  # the same attributes' values before


@event_type("WebhookDeleted")
@dataclass(frozen=True, slots=True)
class WebhookDeleted(Event):
    webhook_id: str


@event_type("WebhookReplayed")
@dataclass(frozen=True, slots=True)
class WebhookReplayed(Event):
    webhook_id: str
    from_seq: int  # its events from this sequence number are delivered again
