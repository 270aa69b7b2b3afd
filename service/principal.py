"""Who is calling: the API key and its organization, once the key is checked."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    org_id: str
    org_slug: str
