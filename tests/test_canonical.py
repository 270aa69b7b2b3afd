"""The hash chain's text: `hashed_text`, built from the stored canonical texts of the data
and the metadata, is exactly `canonical_json(hashed_body(...))`, whatever the values
(any text, escapes and all; integers of any size; nesting; no organization); and the
fast canonical form is the standard encoder's, byte for byte; the fast parser reads what
the standard parser reads, digit for digit."""

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from events.canonical import (
    canonical_json,
    chain_hash,
    chain_hash_text,
    loads,
    standard_canonical_json,
)
from events.envelope import hashed_body, hashed_text

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
              st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(), inner, max_size=4)),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(seq=st.integers(1, 2**62), event_id=st.text(), org_id=st.none() | st.text(),
       stream_id=st.text(), version=st.integers(1, 2**31), type_=st.text(),
       schema_version=st.integers(1, 50),
       data=st.dictionaries(st.text(), json_values, max_size=5),
       metadata=st.dictionaries(st.text(), st.none() | st.text(), max_size=4),
       recorded_at=st.text())
def test_the_text_built_body_is_the_canonical_json_of_the_body(
        seq, event_id, org_id, stream_id, version, type_, schema_version, data, metadata,
        recorded_at):
    body = hashed_body(seq, event_id, org_id, stream_id, version, type_, schema_version, data,
                       metadata, recorded_at)
    text = hashed_text(seq, event_id, org_id, stream_id, version, type_, schema_version,
                       canonical_json(data), canonical_json(metadata), recorded_at)
    assert text == canonical_json(body)
    assert chain_hash_text("0" * 64, text) == chain_hash("0" * 64, body)


tricky_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.builds(lambda m, e: float(f"{m}e{e}"), st.integers(-99999, 99999), st.integers(-330, 310))
    .filter(lambda f: abs(f) != float("inf")))
any_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(), tricky_floats),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.text(), inner, max_size=5)),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(any_json)
@example(1e-05)
@example(-2.5e-07)
@example([0.0001, {"a": 9.9e-05}])
@example({"id": "01a232b0-c3e-4000", "n": 1e16})
@example(2**70)
def test_the_fast_canonical_form_is_the_standard_encoders(value):
    assert canonical_json(value) == standard_canonical_json(value)


digits = st.from_regex(r"-?[0-9]{15,30}", fullmatch=True).map(lambda t: t.lstrip("-0") or "0")
number_like = st.one_of(st.integers(-(2**100), 2**100), digits.map(int), digits,
                        digits.map(lambda t: f"x:{t}"), digits.map(lambda t: f", {t}"))
with_long_numbers = st.recursive(
    st.one_of(number_like, tricky_floats, st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(with_long_numbers, st.sampled_from([None, 1]), st.booleans())
def test_the_fast_parser_keeps_every_digit(value, indent, as_bytes):
    text = json.dumps(value, indent=indent)
    parsed = loads(text.encode() if as_bytes else text)
    assert standard_canonical_json(parsed) == standard_canonical_json(json.loads(text))
