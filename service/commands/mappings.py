"""Mapping commands: create (integration- or connector-scoped), change json_path, delete.

The expression must compile (checked before the write, on the caller's thread); the
integration must be enabled for the organization, the connector must be its own, and
the integration behind either must serve the field's category.
"""

from dataclasses import dataclass
from typing import Any

from events import Metadata
from events import types as ev
from service import rules
from service.commands.base import Command, Context, Tx, matched_version
from service.commands.fields import load_field
from service.commands.streams import mapping_stream
from service.errors import DuplicateMapping, ExpressionRefused, ExpressionTooLong, MappingNotFound
from service.ids import new_id
from service.jmes import ExpressionError

Row = dict[str, Any]


def check_expression(ctx: Context, json_path: str) -> None:
    """The expression is within its length bound and compiles (functions and arities
    included)."""
    limit = ctx.limits.max_expression_length
    if len(json_path) > limit:
        raise ExpressionTooLong(limit)
    try:
        ctx.expressions.compile(json_path)
    except ExpressionError as exc:
        raise ExpressionRefused(exc.code, exc.detail) from None


@dataclass(frozen=True)
class CreateMapping(Command[Row]):
    """Exactly one of `integration_slug` and `connector_token` (the schema sees to it)."""

    org_id: str
    custom_field_id: str
    json_path: str
    integration_slug: str | None = None
    connector_token: str | None = None

    def check(self, ctx: Context) -> None:
        check_expression(ctx, self.json_path)

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        field = load_field(tx, self.org_id, self.custom_field_id)
        connector_id = None
        if self.integration_slug is not None:
            rules.require_enabled(ctx.catalogue, tx.state.enabled_integrations(self.org_id),
                                  self.integration_slug)
            served_by, chosen_by = self.integration_slug, "integration_slug"
            taken = tx.state.has_mapping(field["id"], integration_slug=self.integration_slug)
        else:
            assert self.connector_token is not None
            connector = rules.require_connector(
                tx.state.connector_by_token(self.org_id, self.connector_token))
            rules.require_enabled(ctx.catalogue, tx.state.enabled_integrations(self.org_id),
                                  connector["integration_slug"], field="connector_token")
            connector_id = connector["id"]
            served_by, chosen_by = connector["integration_slug"], "connector_token"
            taken = tx.state.has_mapping(field["id"], connector_id=connector_id)
        rules.require_serves(ctx.catalogue, served_by, field["category"], field=chosen_by)
        if taken:
            raise DuplicateMapping("integration" if self.integration_slug else "connector")
        mapping_id = new_id()
        [stored] = tx.append(mapping_stream(mapping_id), 0, [ev.MappingCreated(
            mapping_id, self.org_id, field["id"], self.integration_slug, connector_id,
            self.json_path)], org_id=self.org_id, metadata=meta)
        return {"id": mapping_id, "version": stored.version}


def _mapping(tx: Tx, org_id: str, mapping_id: str, if_match: str | None) -> tuple[Row, int]:
    mapping = tx.state.mapping(org_id, mapping_id)
    if mapping is None:
        raise MappingNotFound(mapping_id)
    return mapping, matched_version(tx, mapping_stream(mapping_id), if_match)


@dataclass(frozen=True)
class UpdateMapping(Command[Row]):
    """Only json_path can change."""

    org_id: str
    mapping_id: str
    json_path: str
    if_match: str | None = None

    def check(self, ctx: Context) -> None:
        check_expression(ctx, self.json_path)

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        mapping, version = _mapping(tx, self.org_id, self.mapping_id, self.if_match)
        if self.json_path != mapping["json_path"]:
            [stored] = tx.append(mapping_stream(self.mapping_id), version, [ev.MappingUpdated(
                self.mapping_id, mapping["field_id"], self.json_path, mapping["json_path"])],
                org_id=self.org_id, metadata=meta)
            version = stored.version
        return {"id": self.mapping_id, "version": version}


@dataclass(frozen=True)
class DeleteMapping(Command[Row]):
    org_id: str
    mapping_id: str
    if_match: str | None = None

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Row:
        mapping, version = _mapping(tx, self.org_id, self.mapping_id, self.if_match)
        tx.append(mapping_stream(self.mapping_id), version,
                  [ev.MappingDeleted(self.mapping_id, mapping["field_id"], "deleted")],
                  org_id=self.org_id, metadata=meta)
        return {"id": self.mapping_id}
