"""A hot request schema loaded in one pass when its input is plainly valid.

marshmallow stays the one source of every request rule: `FastLoader` only recognises
input that the schema would load unchanged (every key a declared field, every value
already of the field's type, every validator passing, every schema validator
passing) and builds the same result without marshmallow's per-field machinery, which
costs more than the rest of a preview. Anything else, and every error, goes through
`schema.load`, which says what is wrong. A schema with hooks that transform the input
or the result, or with fields other than strings, integers, booleans, objects and raw
values, is always loaded by marshmallow.
"""

from typing import Any

from marshmallow import Schema, ValidationError, fields, missing

# field class -> the Python type its loaded value already has (object: any value)
_TYPES: dict[type, type] = {fields.String: str, fields.Raw: object, fields.Integer: int,
                            fields.Boolean: bool, fields.Dict: dict}
_TRANSFORMING_HOOKS = ("pre_load", "post_load", "validates")
_ABSENT: Any = object()


def _plan(schema: Schema) -> list[tuple] | None:
    hooks = {tag: attrs for tag, attrs in schema._hooks.items() if attrs}
    if any(tag in _TRANSFORMING_HOOKS for tag in hooks) or any(
            many or options.get("pass_original")
            for _attr, many, options in hooks.get("validates_schema", ())):
        return None
    plan = []
    for name, field in schema.load_fields.items():
        kind = _TYPES.get(type(field))
        if kind is None or (isinstance(field, fields.Dict)
                            and (field.key_field or field.value_field)):
            return None
        plan.append((field.data_key or name, name, kind, field.required, field.allow_none,
                     field.load_default, tuple(field.validators)))
    return plan


class FastLoader:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._plan = _plan(schema)
        self._keys = frozenset(key for key, *_ in self._plan or ())
        self._checks = [getattr(schema, attr)
                        for attr, *_ in schema._hooks.get("validates_schema", ())]

    def load(self, data: Any) -> Any:
        fast = self._fast(data) if self._plan is not None else _ABSENT
        return self.schema.load(data) if fast is _ABSENT else fast

    def _fast(self, data: Any) -> Any:
        if type(data) is not dict or not self._keys.issuperset(data):
            return _ABSENT
        result: dict[str, Any] = {}
        for key, name, kind, required, allow_none, default, validators in self._plan or ():
            value = data.get(key, _ABSENT)
            if value is _ABSENT:
                if required:
                    return _ABSENT
                if default is not missing:
                    result[name] = default() if callable(default) else default
                continue
            if value is None:
                if not allow_none:
                    return _ABSENT
                result[name] = None
                continue
            if kind is not object and type(value) is not kind:
                return _ABSENT
            try:
                if any(validator(value) is False for validator in validators):
                    return _ABSENT
            except ValidationError:
                return _ABSENT
            result[name] = dict(value) if kind is dict else value
        try:
            for check in self._checks:
                check(result, partial=None, many=False, unknown=self.schema.unknown)
        except ValidationError:
            return _ABSENT
        return result
