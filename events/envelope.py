"""The envelope every stored event travels in (DESIGN section 7)."""

import json.encoder
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from events.types import Event


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who and what caused an event; never part of the domain data."""

    key_id: str | None = None
    request_id: str | None = None
    source: str | None = None
    idempotency_key: str | None = None
    reverted_to: int | None = None  # the events of a revert: the version it went back to

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("key_id", self.key_id), ("request_id", self.request_id),
                                  ("source", self.source),
                                  ("idempotency_key", self.idempotency_key),
                                  ("reverted_to", self.reverted_to)) if v is not None}


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the log holds it, upcast to its type's current schema version."""

    seq: int
    event_id: str
    org_id: str | None
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: str
    prev_hash: str
    hash: str
    event: Event = field(compare=False, repr=False)

    def hashed_body(self) -> dict[str, Any]:
        """The fields the hash chain covers, as stored (before any upcast)."""
        return hashed_body(
            self.seq, self.event_id, self.org_id, self.stream_id, self.version,
            self.type, self.schema_version, self.data, self.metadata, self.recorded_at,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "organization_id": self.org_id,
            "stream_id": self.stream_id,
            "stream_version": self.version,
            "type": self.type,
            "schema_version": self.schema_version,
            "data": self.data,
            "metadata": self.metadata,
            "recorded_at": self.recorded_at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def hashed_body(seq: int, event_id: str, org_id: str | None, stream_id: str, version: int,
                type_: str, schema_version: int, data: dict[str, Any],
                metadata: dict[str, Any], recorded_at: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "event_id": event_id,
        "org_id": org_id,
        "stream_id": stream_id,
        "version": version,
        "type": type_,
        "schema_version": schema_version,
        "data": data,
        "metadata": metadata,
        "recorded_at": recorded_at,
    }


# the string encoder `json.dumps(..., ensure_ascii=False)` itself uses (canonical_json)
_string = json.encoder.encode_basestring


def hashed_text(seq: int, event_id: str, org_id: str | None, stream_id: str, version: int,
                type_: str, schema_version: int, data_json: str, metadata_json: str,
                recorded_at: str) -> str:
    """`canonical_json(hashed_body(...))` built from the canonical texts of the data and
    the metadata (as the log stores them) without parsing or serialising them again: the
    keys in sorted order, the strings by the same encoder, the integers as `str` writes
    them. The log's hash chain is computed over this text."""
    org = "null" if org_id is None else _string(org_id)
    return (f'{{"data":{data_json},"event_id":{_string(event_id)},'
            f'"metadata":{metadata_json},"org_id":{org},'
            f'"recorded_at":{_string(recorded_at)},"schema_version":{int(schema_version)},'
            f'"seq":{int(seq)},"stream_id":{_string(stream_id)},"type":{_string(type_)},'
            f'"version":{int(version)}}}')


class Replayed(NamedTuple):
    """What a projector needs of an event: its stream version, time and typed event.
    A rebuild decodes only this much of each row; a `StoredEvent` has the same three."""

    version: int
    recorded_at: str
    event: Event
