"""JMESPath: compiling with a bounded LRU cache, static checks, and safe evaluation.

"Compiling" an expression here means parsing it and checking every function call in it
against the function table (name and arity), so a mapping that can never evaluate is
refused when it is saved. Evaluation failures that depend on the data (a function given
the wrong type) are reported with their own code. Nothing here raises anything but
`ExpressionError`.

Whether a value was *found* (`evaluate_found`): for a plain path (field names, quoted
names, index steps, told apart on the parsed tree once, when it is compiled and cached)
whether every step exists in the document, so an explicit `null` is found and a missing
key or an index out of range is not; for any other expression, whether it gives a
non-null value.
"""

import math
import warnings
from typing import Any, TypeAlias

import jmespath
from jmespath import exceptions as jexc
from jmespath import visitor
from jmespath.functions import Functions
from jmespath.parser import ParsedResult

from service.lru import LRU

FUNCTION_TABLE = Functions.FUNCTION_TABLE


class ExpressionError(Exception):
    """An expression that cannot be compiled or evaluated; `code` says why."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _check_functions(node: Any) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_expression":
            name = item["value"]
            args = item.get("children", [])
            spec = FUNCTION_TABLE.get(name)
            if spec is None:
                raise ExpressionError("UNKNOWN_FUNCTION", f"unknown function: {name}()")
            signature = spec["signature"]
            variadic = bool(signature) and signature[-1].get("variadic")
            if (len(args) < len(signature)) if variadic else (len(args) != len(signature)):
                expected = f"at least {len(signature)}" if variadic else str(len(signature))
                raise ExpressionError(
                    "INVALID_ARITY",
                    f"{name}() takes {expected} argument(s), {len(args)} given")
        stack.extend(item.get("children", []))


class FieldPath:
    """A compiled plain path (`a.b[0].c`): the same result as the interpreter, without
    it. Most mappings are such paths, and the values endpoint evaluates them per row
    per field, so they skip the tree walk."""

    __slots__ = ("expression", "steps")

    def __init__(self, expression: str, steps: tuple[str | int, ...]) -> None:
        self.expression = expression
        self.steps = steps

    def search(self, value: Any) -> Any:
        for step in self.steps:
            if isinstance(step, str):
                if not isinstance(value, dict):
                    return None
                value = value.get(step)
            else:
                if not isinstance(value, list):
                    return None
                try:
                    value = value[step]
                except IndexError:
                    return None
        return value

    def lookup(self, value: Any) -> tuple[Any, bool]:
        """(the value, whether every step exists): `search` telling a missing step from
        an explicit null."""
        for step in self.steps:
            if isinstance(step, str):
                if not isinstance(value, dict) or step not in value:
                    return None, False
                value = value[step]
            else:
                if not isinstance(value, list) or not -len(value) <= step < len(value):
                    return None, False
                value = value[step]
        return value, True


def _plain_steps(node: dict) -> list[str | int] | None:
    kind = node.get("type")
    if kind == "field":
        return [node["value"]]
    if kind == "subexpression":
        steps: list[str | int] = []
        for child in node["children"]:
            part = _plain_steps(child)
            if part is None:
                return None
            steps += part
        return steps
    if kind == "index_expression":  # a[0] or, chained, a[0][1]: the base, then indexes
        base, *indexes = node["children"]
        # `[0]` on its own indexes the document itself
        base_steps = [] if base.get("type") == "identity" else _plain_steps(base)
        if base_steps is None or not indexes or any(i.get("type") != "index" for i in indexes):
            return None
        return base_steps + [i["value"] for i in indexes]
    return None


class TreeExpression:
    """Any other expression, evaluated by one tree interpreter of its own: jmespath's
    `ParsedResult.search` builds a new interpreter per call, whose method cache starts
    empty, so every node of every evaluation looked its visitor up again. The
    interpreter keeps no state between calls (an `expref` carries its own)."""

    __slots__ = ("expression", "parsed", "_visit")

    def __init__(self, compiled: ParsedResult) -> None:
        self.expression, self.parsed = compiled.expression, compiled.parsed
        self._visit = visitor.TreeInterpreter().visit

    def search(self, value: Any) -> Any:
        return self._visit(self.parsed, value)


Compiled: TypeAlias = TreeExpression | FieldPath


def compile_expression(expression: str) -> Compiled:
    try:
        with warnings.catch_warnings():  # the deprecated `foo` literal form still parses
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            parsed = jmespath.compile(expression)
    except jexc.JMESPathError as exc:
        raise ExpressionError("INVALID_JSON_PATH", f"invalid JMESPath: {exc}") from None
    except RecursionError:
        raise ExpressionError("INVALID_JSON_PATH", "invalid JMESPath: nested too deeply") from None
    _check_functions(parsed.parsed)
    steps = _plain_steps(parsed.parsed)
    return TreeExpression(parsed) if steps is None else FieldPath(expression, tuple(steps))


class ExpressionCache:
    """Compiled expressions (and compile errors) by text, least recently used evicted first."""

    def __init__(self, size: int = 1024) -> None:
        self._entries: LRU[Compiled | ExpressionError] = LRU(size)

    def compile(self, expression: str) -> Compiled:
        entry = self._entries.get(expression)
        if entry is None:
            try:
                entry = compile_expression(expression)
            except ExpressionError as exc:
                entry = exc
            self._entries.put(expression, entry)
        if isinstance(entry, ExpressionError):
            raise entry
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def evaluate(self, expression: str, document: Any, *, json_only: bool = True) -> Any:
        return evaluate(self.compile(expression), document, json_only=json_only)

    def evaluate_found(self, expression: str, document: Any, *, json_only: bool = True
                       ) -> tuple[Any, bool]:
        return evaluate_found(self.compile(expression), document, json_only=json_only)


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity (`to_number('NaN')` makes one): refuse such a result."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ExpressionError("NON_FINITE_NUMBER",
                                  f"the expression gives {item}, which JSON cannot represent")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


def evaluate(compiled: Compiled, document: Any, *, json_only: bool = True) -> Any:
    """The result; with `json_only`, a NaN or infinity in it is an error (JSON has none).
    Callers that check the type of the result themselves pass json_only=False."""
    try:
        result = compiled.search(document)
        return _finite(result) if json_only else result
    except jexc.JMESPathTypeError as exc:
        raise ExpressionError("EXPRESSION_TYPE_ERROR", str(exc)) from None
    except jexc.UnknownFunctionError as exc:
        raise ExpressionError("UNKNOWN_FUNCTION", str(exc)) from None
    except jexc.ArityError as exc:
        raise ExpressionError("INVALID_ARITY", str(exc)) from None
    except jexc.JMESPathError as exc:
        raise ExpressionError("EXPRESSION_ERROR", str(exc)) from None
    except (RecursionError, TypeError, ValueError, OverflowError) as exc:
        raise ExpressionError("EXPRESSION_ERROR", f"evaluation failed: {exc}") from None


def evaluate_found(compiled: Compiled, document: Any, *, json_only: bool = True
                   ) -> tuple[Any, bool]:
    """(the result, whether it was found): a plain path is found when every step of it
    exists in the document (an explicit null included); any other expression when its
    result is not null."""
    if isinstance(compiled, FieldPath):
        value, found = compiled.lookup(document)
        return (_finite(value) if json_only else value), found
    value = evaluate(compiled, document, json_only=json_only)
    return value, value is not None


def value_type(value: Any) -> str:
    """The preview's `resolved_value_type`: string, number, boolean, object, array, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"
