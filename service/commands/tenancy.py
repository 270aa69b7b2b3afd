"""Tenancy commands: organizations, API keys, enabled integrations, connectors."""

import re
import sqlite3

from events import Metadata, WriteTransaction
from events import types as ev
from service.catalogue import Catalogue
from service.errors import Conflict, NotFound, ValidationFailed
from service.ids import hash_key, new_api_key, new_connector_token, new_id

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def org_stream(org_id: str) -> str:
    return f"organization:{org_id}"


def org_by_slug(conn: sqlite3.Connection, slug: str) -> tuple[str, str, str]:
    row = conn.execute("SELECT id, slug, name FROM organizations WHERE slug = ?",
                       (slug,)).fetchone()
    if row is None:
        raise NotFound(f"no organization with slug {slug!r}")
    return row


def create_organization(tx: WriteTransaction, *, slug: str, name: str,
                        meta: Metadata | None = None) -> dict:
    if not SLUG.match(slug):
        raise ValidationFailed("a slug is 1-63 lower-case letters, digits and dashes",
                               errors={"slug": ["invalid slug"]})
    if not name.strip():
        raise ValidationFailed("a name is required", errors={"name": ["must not be blank"]})
    if tx.conn.execute("SELECT 1 FROM organizations WHERE slug = ?", (slug,)).fetchone():
        raise Conflict(f"an organization with slug {slug!r} exists", code="DUPLICATE_SLUG")
    org_id = new_id()
    tx.append(org_stream(org_id), 0, [ev.OrganizationCreated(org_id, slug, name.strip())],
              org_id=org_id, metadata=meta)
    return {"id": org_id, "slug": slug, "name": name.strip()}


def issue_key(tx: WriteTransaction, *, org_slug: str, meta: Metadata | None = None) -> dict:
    org_id, slug, _ = org_by_slug(tx.conn, org_slug)
    key, key_id = new_api_key(), new_id()
    tx.append(f"api-key:{key_id}", 0,
              [ev.ApiKeyIssued(key_id, org_id, hash_key(key), key[:8])],
              org_id=org_id, metadata=meta)
    return {"id": key_id, "key": key, "organization": slug}


def revoke_key(tx: WriteTransaction, *, key_id: str, meta: Metadata | None = None) -> dict:
    row = tx.conn.execute("SELECT org_id, revoked_at FROM api_keys WHERE id = ?",
                          (key_id,)).fetchone()
    if row is None:
        raise NotFound(f"no API key with id {key_id!r}")
    org_id, revoked_at = row
    if revoked_at is None:
        tx.append(f"api-key:{key_id}", None, [ev.ApiKeyRevoked(key_id, org_id)],
                  org_id=org_id, metadata=meta)
    return {"id": key_id, "revoked": True}


def enable_integrations(tx: WriteTransaction, *, org_slug: str, slugs: list[str],
                        catalogue: Catalogue, meta: Metadata | None = None) -> dict:
    org_id, slug, _ = org_by_slug(tx.conn, org_slug)
    unknown = [s for s in slugs if s not in catalogue.integrations]
    if unknown:
        raise NotFound(f"unknown integration(s): {', '.join(unknown)}; known: "
                       f"{', '.join(sorted(catalogue.integrations))}")
    enabled = {r[0] for r in tx.conn.execute(
        "SELECT integration_slug FROM org_integrations WHERE org_id = ?", (org_id,))}
    new = [ev.IntegrationEnabled(org_id, s) for s in dict.fromkeys(slugs) if s not in enabled]
    if new:
        tx.append(org_stream(org_id), None, new, org_id=org_id, metadata=meta)
    return {"organization": slug, "integrations": sorted(enabled | set(slugs))}


def require_enabled(conn: sqlite3.Connection, org_id: str, integration_slug: str) -> None:
    if not conn.execute(
            "SELECT 1 FROM org_integrations WHERE org_id = ? AND integration_slug = ?",
            (org_id, integration_slug)).fetchone():
        raise ValidationFailed(
            f"integration {integration_slug!r} is not enabled for this organization",
            code="INTEGRATION_NOT_ENABLED", errors={"integration_slug": ["not enabled"]})


def create_connector(tx: WriteTransaction, *, org_id: str, integration_slug: str,
                     name: str | None, catalogue: Catalogue,
                     meta: Metadata | None = None) -> dict:
    if integration_slug not in catalogue.integrations:
        raise NotFound(f"unknown integration {integration_slug!r}", code="UNKNOWN_INTEGRATION")
    require_enabled(tx.conn, org_id, integration_slug)
    connector_id, token = new_id(), new_connector_token()
    display = name or f"{catalogue.integrations[integration_slug].display_name} connector"
    stored = tx.append(f"connector:{connector_id}", 0,
                       [ev.ConnectorCreated(connector_id, org_id, integration_slug, display,
                                            token)], org_id=org_id, metadata=meta)
    return {"id": connector_id, "connector_token": token, "integration_slug": integration_slug,
            "name": display, "created_at": stored[0].recorded_at}
