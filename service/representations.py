"""How domain rows are shown: the v1 dialect (snake_case) and the persons dialect (camelCase)."""

from typing import Any


def v1_option(option: dict[str, Any], order: int) -> dict[str, Any]:
    return {"id": option["id"], "value": option["value"], "color": option["color"],
            "order": order}


def v1_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": mapping["id"],
        "custom_field_id": mapping["field_id"],
        "scope": "connector" if mapping["connector_id"] else "organization",
        "integration_slug": mapping["integration_slug"],
        "connector_token": mapping["token"],
        "json_path": mapping["json_path"],
        "created_at": mapping["created_at"],
        "updated_at": mapping["updated_at"],
    }


def v1_field(field: dict[str, Any], mappings: list[dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    body = {
        "id": field["id"],
        "name": field["name"],
        "description": field["description"],
        "category": field["category"],
        "model": field["model"],
        "type": field["type"],
        "options": [v1_option(o, i) for i, o in enumerate(field["options"])],
        "number_format": field["number_format"],
        "source": field["source"],
        "created_at": field["created_at"],
        "updated_at": field["updated_at"],
    }
    if mappings is not None:
        body["mappings"] = [v1_mapping(m) for m in mappings]
    return body


def option_answer(option: dict[str, Any]) -> dict[str, Any]:
    """An option as a write about it answers, in both dialects: its colour only when set."""
    body = {"id": option["id"], "value": option["value"]}
    if option.get("color"):
        body["color"] = option["color"]
    return body


persons_option = option_answer


def persons_field(field: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": field["id"],
        "name": field["name"],
        "type": field["type"],
        "options": [persons_option(o) for o in field["options"]],
    }
    if field["description"] is not None:
        body["description"] = field["description"]
    if field["number_format"] is not None:
        body["numberFormat"] = field["number_format"]
    return body


def connector(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "connector_token": row["token"],
            "integration_slug": row["integration_slug"], "name": row["name"],
            "created_at": row["created_at"], "last_synced_at": row["last_synced_at"]}
