"""The fast paths of request reading decide as the plain definitions do, for any input.

- `check_bounds` (level by level, strings measured in bulk) refuses exactly the values a
  recursive reading of the bounds refuses, with the same code when one bound fails.
- `SyncSchema` loads a list of well-formed records in one pass: its answer, and its
  errors for any other list, are those of the per-record schema.
- A compiled schema (`FastLoader`) loads what marshmallow loads and refuses what it
  refuses, with marshmallow's messages.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields

from service.errors import BadRequest
from service.jsonbody import check_bounds
from service.schemas.v1 import SyncRecordSchema, SyncSchema

MAX_DEPTH, MAX_STRING = 4, 6

texts = st.text(max_size=MAX_STRING + 2)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(texts, inner, max_size=3)),
    max_leaves=16)


def depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_check_bounds_refuses_what_the_recursive_definition_refuses(value):
    too_deep = depth(value) > MAX_DEPTH
    too_long = any(len(s) > MAX_STRING for s in strings(value))
    if not (too_deep or too_long):
        check_bounds(value, MAX_DEPTH, MAX_STRING)
        return
    with pytest.raises(BadRequest) as refused:
        check_bounds(value, MAX_DEPTH, MAX_STRING)
    if too_deep != too_long:
        assert refused.value.code == ("JSON_TOO_DEEP" if too_deep else "STRING_TOO_LONG")


def test_check_bounds_finds_a_lone_surrogate_only_when_told_it_may_be_there():
    with pytest.raises(BadRequest) as refused:
        check_bounds({"a": ["\ud800"]}, MAX_DEPTH, MAX_STRING)
    assert refused.value.code == "MALFORMED_JSON"
    check_bounds({"a": ["é"]}, MAX_DEPTH, MAX_STRING, may_hold_surrogates=False)


class PerRecordSyncSchema(Schema):
    category = fields.String(required=True)
    model = fields.String(required=True)
    records = fields.List(fields.Nested(SyncRecordSchema), required=True)


remote_ids = st.one_of(st.text(max_size=3), st.text(min_size=254, max_size=257),
                       st.integers(), st.none())
records = st.one_of(
    st.fixed_dictionaries({"remote_id": remote_ids, "data": st.dictionaries(texts, texts)}),
    st.fixed_dictionaries({"remote_id": remote_ids, "data": json_values}),
    st.fixed_dictionaries({"remote_id": remote_ids}),
    st.fixed_dictionaries({"remote_id": remote_ids, "data": st.just({}), "extra": st.just(1)}),
    json_values)


def load(schema, body):
    try:
        return "ok", schema.load(body)
    except ValidationError as error:
        return "invalid", error.messages


@settings(max_examples=300, deadline=None)
@given(st.lists(records, max_size=4) | json_values)
def test_sync_records_load_as_the_per_record_schema_loads_them(items):
    body = {"category": "HRIS", "model": "employee", "records": items}
    assert load(SyncSchema(), body) == load(PerRecordSyncSchema(), body)


def compiled_schemas():
    import inspect

    import service.schemas.common
    import service.schemas.persons
    import service.schemas.v1
    from service.schemas.fastload import _plan
    found = []
    for module in (service.schemas.v1, service.schemas.persons, service.schemas.common):
        for cls in vars(module).values():
            if (inspect.isclass(cls) and issubclass(cls, Schema)
                    and cls.__module__ == module.__name__ and _plan(cls()) is not None):
                found.append(cls)
    return found


COMPILED = compiled_schemas()
field_values = st.one_of(st.none(), st.booleans(), st.integers(-3, 3000), st.floats(-2, 2),
                         st.text(max_size=3), st.text(min_size=254, max_size=257),
                         st.sampled_from(["HRIS", "employee", "workday", "a.b", "x", ""]),
                         st.dictionaries(texts, texts, max_size=2), st.lists(texts, max_size=2))


def test_the_hot_schemas_are_compiled():
    assert {"PreviewSchema", "PageSchema"} <= {cls.__name__ for cls in COMPILED}


_OF_KIND = {str: st.text(max_size=3) | st.sampled_from(["HRIS", "employee", "workday", "a.b"]),
            int: st.integers(-3, 3000), bool: st.booleans(), dict: st.dictionaries(texts, texts),
            object: json_values}


def bodies_for(schema):
    """Mostly what the schema loads (each field absent, null, or of its type), sometimes
    a value of another type, an unknown key, or no object at all."""
    from service.schemas.fastload import _plan
    absent = object()
    def entry(kind, required):
        others = st.one_of(st.none(), field_values) | (st.none() if required else st.just(absent))
        return st.integers(0, 9).flatmap(lambda n: _OF_KIND[kind] if n < 8 else others)

    entries = {key: entry(kind, required) for key, _name, kind, required, *_ in _plan(schema)}
    objects = st.fixed_dictionaries(entries).map(
        lambda body: {k: v for k, v in body.items() if v is not absent})
    extra = st.dictionaries(st.just("extra"), field_values, max_size=1)
    return st.integers(0, 9).flatmap(lambda n: objects if n < 7 else st.one_of(
        st.builds(lambda a, b: {**a, **b}, objects, extra), json_values))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(COMPILED), st.data())
def test_a_compiled_schema_loads_what_marshmallow_loads(schema_cls, data):
    from service.schemas.fastload import FastLoader
    schema = schema_cls()
    body = data.draw(bodies_for(schema))
    assert load(FastLoader(schema), body) == load(schema, body)
