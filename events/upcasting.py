"""Upcasters: bring an event stored at an older schema version up to the current one.

Stored events are never rewritten; each read passes the stored data through the chain
of upcasters for its type, one version step at a time.
"""

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]
Step = Callable[[Data], Data]
_UPCASTERS: dict[tuple[str, int], Step] = {}


def upcaster(type_name: str, from_version: int) -> Callable[[Step], Step]:
    """Register a function turning version `from_version` of a type into the next one."""

    def register(fn: Step) -> Step:
        _UPCASTERS[(type_name, from_version)] = fn
        return fn

    return register


def upcast(type_name: str, version: int, target: int, data: Data) -> Data:
    while version < target:
        step = _UPCASTERS.get((type_name, version))
        if step is None:
            raise ValueError(f"no upcaster for {type_name} v{version}")
        data = step(dict(data))
        version += 1
    return data


@upcaster("FieldCreated", 1)
def field_created_v1_to_v2(data: Data) -> Data:
    """Version 1 fields were untyped text fields, always made through the API."""
    data.setdefault("type", "text")
    data.setdefault("number_format", None)
    data.setdefault("source", "API")
    return data


@upcaster("ConnectorSynced", 1)
def connector_synced_v1_to_v2(data: Data) -> Data:
    """Version 1 counted every record received, a remote id given twice included."""
    distinct = data["inserted"] + data["updated"] + data["unchanged"]
    data["duplicates"] = data["received"] - distinct
    data["received"] = distinct
    return data


# Until these versions the projector computed the uniqueness keys itself, with
# str.casefold(); the upcasters reproduce exactly what it stored then.

@upcaster("FieldCreated", 2)
def field_created_v2_to_v3(data: Data) -> Data:
    data["name_key"] = data["name"].casefold()
    return data


@upcaster("FieldUpdated", 1)
def field_updated_v1_to_v2(data: Data) -> Data:
    name = data.get("changes", {}).get("name")
    data["name_key"] = None if name is None else name.casefold()
    return data


@upcaster("OptionAdded", 1)
def option_added_v1_to_v2(data: Data) -> Data:
    data["value_key"] = data["value"].casefold()
    return data


@upcaster("OptionUpdated", 1)
def option_updated_v1_to_v2(data: Data) -> Data:
    value = data.get("changes", {}).get("value")
    data["value_key"] = None if value is None else value.casefold()
    return data
