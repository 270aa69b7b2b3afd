"""Connector commands beyond creation: rename, and delete with its cascade.

Deleting a connector deletes its connector-scoped mappings first, each its own event
(as a field's delete does), then drops its synced rows (upstream data, not events) in
the same transaction. If-Match compares with the connector's stream version.
"""

from dataclasses import dataclass
from typing import Any

from events import Metadata
from events import types as ev
from service import rules
from service.commands.base import Command, Context, Tx, matched_version
from service.commands.streams import connector_stream, mapping_stream

Row = dict[str, Any]


def _connector(tx: Tx, org_id: str, token: str, if_match: str | None) -> tuple[Row, int]:
    connector = rules.require_connector(tx.state.connector_by_token(org_id, token))
    return connector, matched_version(tx, connector_stream(connector["id"]), if_match)


@dataclass(frozen=True)
class RenameConnector(Command[Row]):
    org_id: str
    connector_token: str
    name: str
    if_match: str | None = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        connector, version = _connector(tx, self.org_id, self.connector_token, self.if_match)
        name = self.name.strip()
        if name != connector["name"]:
            tx.append(connector_stream(connector["id"]), version, [ev.ConnectorRenamed(
                connector["id"], name, connector["name"])], org_id=self.org_id, metadata=meta)
        renamed = tx.state.connector(self.org_id, connector["id"])
        assert renamed is not None
        return renamed


@dataclass(frozen=True)
class DeleteConnector(Command[Row]):
    org_id: str
    connector_token: str
    if_match: str | None = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        connector, version = _connector(tx, self.org_id, self.connector_token, self.if_match)
        for mapping in tx.state.mapping_ids_of_connector(connector["id"]):
            stream = mapping_stream(mapping["id"])
            tx.append(stream, tx.stream_version(stream), [ev.MappingDeleted(
                mapping["id"], mapping["field_id"], "connector_deleted")],
                org_id=self.org_id, metadata=meta)
        tx.append(connector_stream(connector["id"]), version,
                  [ev.ConnectorDeleted(connector["id"])], org_id=self.org_id, metadata=meta)
        dropped = tx.state.drop_synced_records(connector["id"])
        return {"id": connector["id"], "synced_records_dropped": dropped}
