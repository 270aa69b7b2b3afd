"""Stream ids: which stream each aggregate's events go to."""


def org_stream(org_id: str) -> str:
    return f"organization:{org_id}"


def key_stream(key_id: str) -> str:
    return f"api-key:{key_id}"


def connector_stream(connector_id: str) -> str:
    return f"connector:{connector_id}"


def field_stream(field_id: str) -> str:
    """A field's stream also holds its options' events."""
    return f"field:{field_id}"


def mapping_stream(mapping_id: str) -> str:
    return f"mapping:{mapping_id}"
