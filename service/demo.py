"""The demo organization `make run` serves: created once, reused on every later run.

A key's secret is never in the log, so the demo key is kept in a credentials file next
to the database (development only); if that key no longer works, a new one is issued.
"""

import json
import os
from functools import partial

from events import EventStore
from service.catalogue import Catalogue
from service.commands import tenancy
from service.ids import hash_key

DEMO_SLUG = "demo"
DEMO_INTEGRATION = "workday"


def credentials_path(db_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(db_path)), "demo-credentials.json")


async def ensure_demo(store: EventStore, catalogue: Catalogue) -> dict:
    path = credentials_path(store.path)
    saved = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            saved = json.load(fh)
    reader = store.reader
    org = await reader.execute_fetchall("SELECT id FROM organizations WHERE slug = ?",
                                        (DEMO_SLUG,))
    if not org:
        created = await store.write(partial(tenancy.create_organization, slug=DEMO_SLUG,
                                            name="Demo Organization"))
        org_id = created["id"]
    else:
        org_id = org[0][0]
    await store.write(partial(tenancy.enable_integrations, org_slug=DEMO_SLUG,
                              slugs=list(catalogue.integrations), catalogue=catalogue))
    key = saved.get("key")
    if not key or not await reader.execute_fetchall(
            "SELECT 1 FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
            (hash_key(key),)):
        key = (await store.write(partial(tenancy.issue_key, org_slug=DEMO_SLUG)))["key"]
    token = saved.get("connector_token")
    if not token or not await reader.execute_fetchall(
            "SELECT 1 FROM connectors WHERE token = ? AND org_id = ?", (token, org_id)):
        connector = await store.write(partial(
            tenancy.create_connector, org_id=org_id, integration_slug=DEMO_INTEGRATION,
            name="Demo Workday", catalogue=catalogue))
        token = connector["connector_token"]
    credentials = {"organization": DEMO_SLUG, "key": key, "connector_token": token,
                   "integration_slug": DEMO_INTEGRATION}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(credentials, fh, indent=2)
    os.chmod(path, 0o600)
    return credentials


def banner(credentials: dict, host: str, port: int) -> str:
    base = f"http://{host}:{port}"
    return "\n".join([
        "Custom Fields Service: demo organization ready",
        f"  organization     {credentials['organization']}",
        f"  API key          {credentials['key']}",
        f"  connector token  {credentials['connector_token']} "
        f"({credentials['integration_slug']})",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {credentials['key']}' "
        f"'{base}/api/v1/lookup/integrations?category=HRIS'",
        f"Serving on {base} (Ctrl-C stops)",
    ])
