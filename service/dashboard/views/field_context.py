"""What a field's page shows, shared by its sections (summary and edit form, options,
mappings) and its delete confirmation."""

from aiohttp import web

from service import fieldtypes
from service.commands.fields import field_tag
from service.dashboard.pages import catalogue, principal, queries
from service.dashboard.views.field_inputs import type_extras
from service.dashboard.views.shared import Row, all_connectors, when
from service.values import effective


def scope_name(mapping: Row, connectors: dict[str, Row], request: web.Request) -> str:
    if mapping["connector_id"] is not None:
        connector = connectors.get(mapping["connector_id"])
        return f"connector {connector['name'] if connector else mapping['connector_id']}"
    integration = catalogue(request).integrations.get(mapping["integration_slug"])
    return f"integration {integration.display_name if integration else mapping['integration_slug']}"


async def field_context(request: web.Request, field: Row) -> Row:
    """The field with its tag, type choices, mappings, and per connector serving its
    category the mapping it uses (values.effective: its own wins over its
    integration's)."""
    known = catalogue(request)
    mappings = await queries(request).field_mappings(field["id"])
    connectors = await all_connectors(request, principal(request).org_id)
    by_id = {c["id"]: c for c in connectors}
    used_by: dict[str, list[str]] = {m["id"]: [] for m in mappings}
    per_connector = []
    for connector in connectors:
        if not known.serves(connector["integration_slug"], field["category"]):
            continue
        own = next((m for m in mappings if m["connector_id"] == connector["id"]), None)
        shared = next((m for m in mappings if m["connector_id"] is None
                       and m["integration_slug"] == connector["integration_slug"]), None)
        json_path, source, mapping_id = effective({
            "connector_mapping_id": own and own["id"],
            "connector_json_path": own and own["json_path"],
            "integration_mapping_id": shared and shared["id"],
            "integration_json_path": shared and shared["json_path"]})
        if mapping_id is not None:
            used_by[mapping_id].append(connector["name"])
        per_connector.append({"connector": connector, "json_path": json_path,
                              "source": source})
    current = fieldtypes.field_type(field["type"])
    has_options = bool(field["options"])
    choices = [field["type"]] + [t.name for t in fieldtypes.REGISTRY.values()
                                 if t is not current
                                 and current.can_change_to(t, has_options=has_options)]
    [model] = [m for m in known.models(field["category"]) if m.slug == field["model"]]
    return {
        "field": field, "model_name": model.display_name,
        "created": when(field["created_at"]), "updated": when(field["updated_at"]),
        "tag": field_tag(field["version"], [(m["id"], m["version"]) for m in mappings]),
        "mappings": [{**m, "scope": scope_name(m, by_id, request), "used_by": used_by[m["id"]],
                      "updated": when(m["updated_at"])} for m in mappings],
        "per_connector": per_connector, "type_choices": choices,
        "has_options": current.has_options, "has_number_format": current.has_number_format,
        "type_hint": type_hint(current, choices[1:], has_options), **type_extras()}


def type_hint(current: fieldtypes.FieldType, others: list[str], has_options: bool) -> str:
    """Why the Type select offers what it offers (the registry's safe changes)."""
    if others:
        return (f"A {current.name} field can change to {' or '.join(others)} only: other "
                "changes could make its values invalid.")
    if has_options and current.safe_changes:
        return (f"A {current.name} field with options keeps its type (without options it "
                f"could change to {' or '.join(current.safe_changes)}).")
    return f"No other type keeps every value of a {current.name} field valid."
