"""The demo organization `make run` serves: created once, reused on every later run.

A key's secret is never in the log, so the demo key is kept in a credentials file next
to the database (development only); if that key no longer works, a new one is issued.
"""

import json
import os

from projections import Backend
from service.commands import Context, execute
from service.commands.tenancy import (
    CreateConnector,
    CreateOrganization,
    EnableIntegrations,
    IssueKey,
)
from service.ids import hash_key

DEMO_SLUG = "demo"
DEMO_INTEGRATION = "workday"


def credentials_path(db_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(db_path)), "demo-credentials.json")


async def ensure_demo(backend: Backend, ctx: Context, db_path: str) -> dict:
    path = credentials_path(db_path)
    saved = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            saved = json.load(fh)
    store, queries = backend.store, backend.queries
    org = await queries.organization_by_slug(DEMO_SLUG)
    if org is None:
        org = await execute(store, ctx, CreateOrganization(DEMO_SLUG, "Demo Organization"))
    await execute(store, ctx, EnableIntegrations(DEMO_SLUG, tuple(ctx.catalogue.integrations)))
    key = saved.get("key")
    if not key or await queries.principal_by_key_hash(hash_key(key)) is None:
        key = (await execute(store, ctx, IssueKey(DEMO_SLUG)))["key"]
    token = saved.get("connector_token")
    if not token or await queries.connector_by_token(org["id"], token) is None:
        connector = await execute(store, ctx, CreateConnector(
            DEMO_INTEGRATION, "Demo Workday", org_id=org["id"]))
        token = connector["connector_token"]
    credentials = {"organization": DEMO_SLUG, "key": key, "connector_token": token,
                   "integration_slug": DEMO_INTEGRATION}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(credentials, fh, indent=2)
    os.chmod(path, 0o600)
    return credentials


def banner(credentials: dict, host: str, port: int) -> str:
    """What `serve --demo` prints once it listens on `host`:`port`."""
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return "\n".join([
        "Custom Fields Service: demo organization ready",
        f"  organization     {credentials['organization']}",
        f"  API key          {credentials['key']}",
        f"  connector token  {credentials['connector_token']} "
        f"({credentials['integration_slug']})",
        f"  dashboard        {base}/dashboard/ (sign in with the API key)",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {credentials['key']}' "
        f"'{base}/api/v1/lookup/integrations?category=HRIS'",
        f"Serving on {base} (Ctrl-C stops)",
    ])
