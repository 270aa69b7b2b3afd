"""Upcasters: bring an event stored at an older schema version up to the current one.

Stored events are never rewritten; each read passes the stored data through the chain
of upcasters for its type, one version step at a time.
"""

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]
_UPCASTERS: dict[tuple[str, int], Callable[[Data], Data]] = {}


def upcaster(type_name: str, from_version: int):
    """Register a function turning version `from_version` of a type into the next one."""

    def register(fn: Callable[[Data], Data]) -> Callable[[Data], Data]:
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
