"""Shared fixtures: the real app factory on a temporary database, and tenants in it."""

from dataclasses import dataclass

import pytest

from service.app import create_app
from service.appkeys import backend_key, context_key
from service.commands import execute
from service.commands.tenancy import (
    CreateConnector,
    CreateOrganization,
    EnableIntegrations,
    IssueKey,
)
from service.settings import Settings
from tests.backends import HARNESSES, Harness


@dataclass
class Tenant:
    id: str
    slug: str
    key: str
    key_id: str
    connector_token: str
    connector_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def persons_headers(self) -> dict[str, str]:
        return {**self.headers, "organizationSlug": self.slug}


@pytest.fixture(params=sorted(HARNESSES))
def backend(request, tmp_path) -> Harness:
    """A harness for each backend (test ids show `[postgresql]` and `[sqlite]`): a fresh
    database of it, and what tests need to do behind the backend's back. Every test
    through `settings` (so through `app` and `client`) runs once per backend."""
    return HARNESSES[request.param](str(tmp_path))


@pytest.fixture
def settings(backend) -> Settings:
    return Settings(db=backend.db, synchronous="NORMAL")


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client, app):
    return await aiohttp_client(app)


async def run(app, command):
    """Run a command against the app's store, as the CLI would."""
    return await execute(app[backend_key].store, app[context_key], command)


async def make_tenant(app, slug: str, integrations=None, connector_integration="workday"):
    catalogue = app[context_key].catalogue
    org = await run(app, CreateOrganization(slug, slug.title()))
    await run(app, EnableIntegrations(slug, tuple(integrations or catalogue.integrations)))
    key = await run(app, IssueKey(slug))
    connector = await run(app, CreateConnector(connector_integration, org_id=org["id"]))
    return Tenant(org["id"], slug, key["key"], key["id"], connector["connector_token"],
                  connector["id"])


async def event_count(app, org_id: str | None = None) -> int:
    """Events in the log (of one organization); the log is gapless, so for all of them
    the head's sequence number."""
    store = app[backend_key].store
    if org_id is None:
        return (await store.head()).seq
    return len(await store.read_events(org_id=org_id))


@pytest.fixture
async def tenant(client, app) -> Tenant:
    return await make_tenant(app, "acme")


@pytest.fixture
async def other_tenant(client, app) -> Tenant:
    return await make_tenant(app, "globex")


# --- the dashboard's browser tests (tests/browser.py) --------------------------------------

@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module. Not per session: Playwright's sync API
    keeps an event loop registered while it is open, which the asyncio tests of the
    modules after the browser tests could not run beside."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A served demo organization, one per test module (tests/browser.py)."""
    from tests.browser import serve_demo
    served = serve_demo(str(tmp_path_factory.mktemp("dashboard")))
    yield served
    served.stop()


@pytest.fixture
def page(chromium):
    from tests.browser import VIEWPORT
    context = chromium.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
