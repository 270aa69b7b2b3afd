"""Identifiers and secrets: UUIDv7 ids, API keys and connector tokens."""

import hashlib
import secrets

from events.ids import uuid7

KEY_PREFIX = "cfk_"
CONNECTOR_TOKEN_PREFIX = "cft_"


def new_id() -> str:
    """A UUIDv7: time-ordered, so ids sort by creation."""
    return uuid7()


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)  # 256 bits of entropy


def new_connector_token() -> str:
    return CONNECTOR_TOKEN_PREFIX + secrets.token_urlsafe(24)


def hash_key(key: str) -> str:
    """The stored form of an API key; a fast hash suffices for 256-bit random secrets."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
