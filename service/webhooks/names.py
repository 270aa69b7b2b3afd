"""Event names for webhooks: each event type of the log has one dotted name (or is never
delivered), defined here once. A subscription lists names (`field.created`) and
patterns (`option.*`: every name with that prefix; `*`: every name)."""

from collections.abc import Iterable

from events import types as ev

NAMES: dict[type[ev.Event], str] = {
    ev.FieldCreated: "field.created",
    ev.FieldUpdated: "field.updated",
    ev.FieldDeleted: "field.deleted",
    ev.OptionAdded: "option.added",
    ev.OptionUpdated: "option.updated",
    ev.OptionsReordered: "option.reordered",
    ev.OptionRemoved: "option.removed",
    ev.MappingCreated: "mapping.created",
    ev.MappingUpdated: "mapping.updated",
    ev.MappingDeleted: "mapping.deleted",
    ev.ConnectorCreated: "connector.created",
    ev.ConnectorRenamed: "connector.renamed",
    ev.ConnectorDeleted: "connector.deleted",
    ev.ConnectorSynced: "connector.synced",
    ev.IntegrationEnabled: "integration.enabled",
    ev.IntegrationDisabled: "integration.disabled",
    ev.ApiKeyIssued: "api_key.issued",
    ev.ApiKeyRevoked: "api_key.revoked",
    ev.WebhookCreated: "webhook.created",
    ev.WebhookUpdated: "webhook.updated",
    ev.WebhookDeleted: "webhook.deleted",
    ev.WebhookReplayed: "webhook.replayed",
}
# Never delivered: an organization has no subscription before it exists.
NOT_DELIVERED: frozenset[type[ev.Event]] = frozenset({ev.OrganizationCreated})

BY_TYPE_NAME = {cls.type_name: name for cls, name in NAMES.items()}
ALL_NAMES = tuple(sorted(BY_TYPE_NAME.values()))
PREFIXES = tuple(sorted({name.split(".")[0] for name in ALL_NAMES}))


def unknown(patterns: Iterable[str]) -> list[str]:
    """The patterns that name no event: neither a name, nor `prefix.*` of a known
    prefix, nor `*`."""
    return [p for p in patterns if p != "*" and p not in ALL_NAMES
            and not (p.endswith(".*") and p[:-2] in PREFIXES)]


def matches(pattern: str, name: str) -> bool:
    return pattern in ("*", name) or (pattern.endswith(".*") and name.startswith(pattern[:-1]))


def type_names(patterns: Iterable[str]) -> list[str]:
    """The log's event types the patterns subscribe to, sorted."""
    wanted = list(patterns)
    return sorted(t for t, name in BY_TYPE_NAME.items() if any(matches(p, name) for p in wanted))


def name_of(type_name: str) -> str:
    return BY_TYPE_NAME[type_name]
