"""Mapping commands: create (integration- or connector-scoped), change json_path, delete."""

import sqlite3
from typing import Any

from events import Metadata, WriteTransaction
from events import types as ev
from service.catalogue import Catalogue
from service.commands.fields import check_precondition, load_field
from service.commands.tenancy import require_enabled
from service.errors import Conflict, NotFound, ValidationFailed
from service.ids import new_id
from service.jmes import ExpressionCache, ExpressionError


def mapping_stream(mapping_id: str) -> str:
    return f"mapping:{mapping_id}"


def check_expression(expressions: ExpressionCache, json_path: str, max_length: int) -> None:
    if len(json_path) > max_length:
        raise ValidationFailed(f"json_path is longer than {max_length} characters",
                               code="EXPRESSION_TOO_LONG",
                               errors={"json_path": [f"at most {max_length} characters"]})
    try:
        expressions.compile(json_path)
    except ExpressionError as exc:
        raise ValidationFailed(exc.detail, code=exc.code, errors={"json_path": [exc.detail]})


def create_mapping(tx: WriteTransaction, *, org_id: str, catalogue: Catalogue,
                   custom_field_id: str, integration_slug: str | None,
                   connector_token: str | None, json_path: str,
                   meta: Metadata | None = None) -> dict[str, Any]:
    field = load_field(tx.conn, org_id, custom_field_id)
    connector_id = None
    if integration_slug is not None:
        require_enabled(tx.conn, org_id, integration_slug)
        served_by = integration_slug
        duplicate_sql = "SELECT 1 FROM mappings WHERE field_id = ? AND integration_slug = ?"
        scope_value = integration_slug
    else:
        row = tx.conn.execute("SELECT id, integration_slug FROM connectors"
                              " WHERE token = ? AND org_id = ?",
                              (connector_token, org_id)).fetchone()
        if row is None:
            raise NotFound("no connector with that token", code="CONNECTOR_NOT_FOUND")
        connector_id, served_by = row
        duplicate_sql = "SELECT 1 FROM mappings WHERE field_id = ? AND connector_id = ?"
        scope_value = connector_id
    if not catalogue.serves(served_by, field["category"]):
        raise ValidationFailed(
            f"integration {served_by!r} does not serve category {field['category']}",
            code="INTEGRATION_CATEGORY_MISMATCH",
            errors={"integration_slug" if integration_slug else "connector_token":
                    [f"does not serve {field['category']}"]})
    if tx.conn.execute(duplicate_sql, (custom_field_id, scope_value)).fetchone():
        scope = "integration" if integration_slug else "connector"
        raise Conflict(f"this field already has a mapping for that {scope}",
                       code="DUPLICATE_MAPPING")
    mapping_id = new_id()
    tx.append(mapping_stream(mapping_id), 0,
              [ev.MappingCreated(mapping_id, org_id, custom_field_id, integration_slug,
                                 connector_id, json_path)], org_id=org_id, metadata=meta)
    return {"id": mapping_id, "version": 1}


def _load_mapping(conn: sqlite3.Connection, org_id: str, mapping_id: str,
                  if_match: str | None) -> tuple[str, str, int]:
    row = conn.execute("SELECT field_id, json_path, version FROM mappings"
                       " WHERE id = ? AND org_id = ?", (mapping_id, org_id)).fetchone()
    if row is None:
        raise NotFound(f"no mapping with id {mapping_id!r}")
    check_precondition(if_match, str(row[2]))
    return row


def update_mapping(tx: WriteTransaction, *, org_id: str, mapping_id: str, json_path: str,
                   if_match: str | None = None, meta: Metadata | None = None) -> dict[str, Any]:
    field_id, previous, version = _load_mapping(tx.conn, org_id, mapping_id, if_match)
    if json_path != previous:
        tx.append(mapping_stream(mapping_id), version,
                  [ev.MappingUpdated(mapping_id, field_id, json_path, previous)],
                  org_id=org_id, metadata=meta)
        version += 1
    return {"id": mapping_id, "version": version}


def delete_mapping(tx: WriteTransaction, *, org_id: str, mapping_id: str,
                   if_match: str | None = None, meta: Metadata | None = None) -> dict[str, Any]:
    field_id, _, version = _load_mapping(tx.conn, org_id, mapping_id, if_match)
    tx.append(mapping_stream(mapping_id), version,
              [ev.MappingDeleted(mapping_id, field_id, "deleted")], org_id=org_id,
              metadata=meta)
    return {"id": mapping_id}
