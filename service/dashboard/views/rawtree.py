"""The raw-data tree of the mapping editor: a raw document's nodes, each with its
JMESPath and, inside an array of objects, the same path with the element picked by a
filter (`[?type=='work']`) rather than by its index."""

import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from service.jmes import value_type

MAX_NODES = 2000         # nodes of the raw-data tree shown (records are bounded anyway)
MAX_ELEMENTS = 25        # elements of one array shown
EXAMPLE_CHARS = 60
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?![\s\S])")
# keys that usually tell the elements of an array apart (`[?type=='work']`)
DISCRIMINATORS = ("type", "kind", "usage", "label", "category", "role", "rel", "name")


@dataclass
class Node:
    id: str
    label: str                  # the key, or "[i]" for an element
    path: str                   # its JMESPath
    filter_path: str | None     # inside an array of objects: the same with a filter
    type: str
    example: str
    children: list["Node"] = dataclass_field(default_factory=list)
    hidden: int = 0             # elements of an array not shown


def key_step(key: str) -> str:
    """A key as JMESPath writes it: bare when it is an identifier, else quoted."""
    return key if IDENTIFIER.match(key) else json.dumps(key, ensure_ascii=False)


def raw_literal(text: str) -> str | None:
    """A JMESPath raw string literal ('work'), or None when it cannot be one."""
    if "\\" in text or "\n" in text:
        return None
    return "'" + text.replace("'", "\\'") + "'"


def element_filter(element: dict[str, Any]) -> str | None:
    """A condition picking this element out of its array: a boolean key that is true
    in it (`primary`), else a key with its value (`type=='work'`), else a boolean key
    that is false in it; None when nothing fits."""
    booleans = [k for k, v in element.items() if isinstance(v, bool)]
    true = [k for k in booleans if element[k]]
    if true:
        best = next((k for k in true if "primary" in k.lower()), true[0])
        return key_step(best)
    strings = [(k, v) for k, v in element.items() if isinstance(v, str) and 0 < len(v) <= 40
               and not (k.lower() == "id" or k.endswith(("_id", "Id", "ID")))
               and raw_literal(v) is not None]
    preferred = [(k, v) for k, v in strings
                 if any(k.lower() == d or k.lower().endswith(d) for d in DISCRIMINATORS)]
    if preferred or strings:
        key, value = (preferred or strings)[0]
        return f"{key_step(key)}=={raw_literal(value)}"
    if booleans:
        return "!" + key_step(booleans[0])
    return None


def example(value: Any) -> str:
    if isinstance(value, dict):
        return f"{len(value)} key{'' if len(value) == 1 else 's'}"
    if isinstance(value, list):
        return f"{len(value)} item{'' if len(value) == 1 else 's'}"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…"


def tree(document: Any) -> list[Node]:
    """The document's nodes; each knows its path and, inside an array of objects, the
    path with the innermost such `[i]` turned into a filter (`[?primary]... | [0]`)."""
    count = 0

    def build(value: Any, label: str, path: str, filtered: tuple[str, str] | None) -> Node:
        nonlocal count
        count += 1
        node = Node(f"node-{count}", label, path,
                    f"{filtered[0]}{filtered[1]} | [0]" if filtered else None,
                    value_type(value), example(value))
        if isinstance(value, dict):
            for key, child in value.items():
                if count >= MAX_NODES:
                    node.hidden += 1
                    continue
                step = key_step(key)
                node.children.append(build(child, key, f"{path}.{step}" if path else step,
                                           (filtered[0], f"{filtered[1]}.{step}")
                                           if filtered else None))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                if index >= MAX_ELEMENTS or count >= MAX_NODES:
                    node.hidden = len(value) - index
                    break
                condition = element_filter(child) if isinstance(child, dict) else None
                inner = ((f"{path}[?{condition}]", "") if condition is not None
                         else (filtered[0], f"{filtered[1]}[{index}]") if filtered else None)
                node.children.append(build(child, f"[{index}]", f"{path}[{index}]", inner))
        return node

    if not isinstance(document, dict):
        return []
    return [build(value, key, key_step(key), None) for key, value in document.items()]
