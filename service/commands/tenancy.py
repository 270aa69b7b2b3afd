"""Tenancy commands: organizations, API keys, enabled integrations, connectors."""

import re
from dataclasses import dataclass
from typing import Any

from events import Metadata
from events import types as ev
from service import rules
from service.commands.base import Command, Context, Tx
from service.commands.streams import connector_stream, key_stream, org_stream
from service.errors import (
    ApiKeyNotFound,
    DuplicateSlug,
    IntegrationInUse,
    OrganizationNotFound,
    ValidationFailed,
)
from service.ids import hash_key, new_api_key, new_connector_token, new_id

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CONNECTOR_NAME_MAX = 200
Result = dict[str, Any]


def organization(tx: Tx, slug: str) -> dict[str, Any]:
    org = tx.state.organization_by_slug(slug)
    if org is None:
        raise OrganizationNotFound(slug)
    return org


@dataclass(frozen=True)
class CreateOrganization(Command[Result]):
    slug: str
    name: str

    def check(self, ctx: Context) -> None:
        if not SLUG.match(self.slug):
            raise ValidationFailed("a slug is 1-63 lower-case letters, digits and dashes",
                                   errors={"slug": ["invalid slug"]})
        if not self.name.strip():
            raise ValidationFailed("a name is required", errors={"name": ["must not be blank"]})

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Result:
        if tx.state.organization_by_slug(self.slug) is not None:
            raise DuplicateSlug(self.slug)
        org_id, name = new_id(), self.name.strip()
        tx.append(org_stream(org_id), 0, [ev.OrganizationCreated(org_id, self.slug, name)],
                  org_id=org_id, metadata=meta)
        return {"id": org_id, "slug": self.slug, "name": name}


@dataclass(frozen=True)
class IssueKey(Command[Result]):
    """A new API key; the result holds the secret, which the log never does."""

    org_slug: str

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Result:
        org = organization(tx, self.org_slug)
        key, key_id = new_api_key(), new_id()
        tx.append(key_stream(key_id), 0,
                  [ev.ApiKeyIssued(key_id, org["id"], hash_key(key), key[:8])],
                  org_id=org["id"], metadata=meta)
        return {"id": key_id, "key": key, "organization": org["slug"]}


@dataclass(frozen=True)
class RevokeKey(Command[Result]):
    key_id: str

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Result:
        key = tx.state.api_key(self.key_id)
        if key is None:
            raise ApiKeyNotFound(self.key_id)
        if key["revoked_at"] is None:
            tx.append(key_stream(self.key_id), None,
                      [ev.ApiKeyRevoked(self.key_id, key["org_id"])],
                      org_id=key["org_id"], metadata=meta)
        return {"id": self.key_id, "revoked": True}


@dataclass(frozen=True)
class EnableIntegrations(Command[Result]):
    org_slug: str
    slugs: tuple[str, ...]

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Result:
        org = organization(tx, self.org_slug)
        rules.require_integrations(ctx.catalogue, self.slugs)
        enabled = tx.state.enabled_integrations(org["id"])
        new = [ev.IntegrationEnabled(org["id"], s) for s in dict.fromkeys(self.slugs)
               if s not in enabled]
        if new:
            tx.append(org_stream(org["id"]), None, new, org_id=org["id"], metadata=meta)
        return {"organization": org["slug"], "integrations": sorted(enabled | set(self.slugs))}


@dataclass(frozen=True)
class DisableIntegration(Command[Result]):
    """Refused while a mapping uses the integration (scoped to it, or to one of its
    connectors); its connectors stay, and take no new mappings until it is enabled again."""

    org_slug: str
    integration_slug: str

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Result:
        org = organization(tx, self.org_slug)
        rules.require_integrations(ctx.catalogue, [self.integration_slug])
        enabled = tx.state.enabled_integrations(org["id"])
        if self.integration_slug in enabled:
            in_use = tx.state.mappings_using_integration(org["id"], self.integration_slug)
            if in_use:
                raise IntegrationInUse(self.integration_slug, in_use)
            tx.append(org_stream(org["id"]), None, [ev.IntegrationDisabled(
                org["id"], self.integration_slug)], org_id=org["id"], metadata=meta)
        return {"organization": org["slug"],
                "integrations": sorted(enabled - {self.integration_slug})}


@dataclass(frozen=True)
class CreateConnector(Command[Result]):
    """A connector of the organization `org_id` (or, from the CLI, `org_slug`)."""

    integration_slug: str
    name: str | None = None
    org_id: str | None = None
    org_slug: str | None = None

    def check(self, ctx: Context) -> None:
        rules.require_integrations(ctx.catalogue, [self.integration_slug])
        if self.name is not None and not 1 <= len(self.name.strip()) <= CONNECTOR_NAME_MAX:
            raise ValidationFailed(f"a connector name is 1-{CONNECTOR_NAME_MAX} characters, "
                                   "not blank",
                                   errors={"name": [f"1-{CONNECTOR_NAME_MAX} characters"]})

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> Result:
        org_id = self.org_id
        if org_id is None:
            assert self.org_slug is not None, "a connector needs org_id or org_slug"
            org_id = organization(tx, self.org_slug)["id"]
        rules.require_enabled(ctx.catalogue, tx.state.enabled_integrations(org_id),
                              self.integration_slug)
        connector_id, token = new_id(), new_connector_token()
        integration = ctx.catalogue.integrations[self.integration_slug]
        display = self.name.strip() if self.name else f"{integration.display_name} connector"
        [stored] = tx.append(connector_stream(connector_id), 0, [ev.ConnectorCreated(
            connector_id, org_id, self.integration_slug, display, token)],
            org_id=org_id, metadata=meta)
        return {"id": connector_id, "connector_token": token,
                "integration_slug": self.integration_slug, "name": display,
                "created_at": stored.recorded_at}
