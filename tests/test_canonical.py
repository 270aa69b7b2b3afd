"""The hash chain's text: `hashed_text`, built from the stored canonical texts of the data
and the metadata, is exactly `canonical_json(hashed_body(...))`, whatever the values
(any text, escapes and all; integers of any size; nesting; no organization)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from events.canonical import canonical_json, chain_hash, chain_hash_text
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
