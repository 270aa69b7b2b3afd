"""Shared fixtures: the real app factory on a temporary database, and tenants in it."""

from dataclasses import dataclass
from functools import partial

import pytest

from service.app import create_app
from service.appkeys import catalogue_key, store_key
from service.commands import tenancy
from service.settings import Settings


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


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db=str(tmp_path / "test.db"), synchronous="NORMAL")


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(aiohttp_client, app):
    return await aiohttp_client(app)


async def make_tenant(app, slug: str, integrations=None, connector_integration="workday"):
    store, catalogue = app[store_key], app[catalogue_key]
    org = await store.write(partial(tenancy.create_organization, slug=slug, name=slug.title()))
    await store.write(partial(tenancy.enable_integrations, org_slug=slug,
                              slugs=integrations or list(catalogue.integrations),
                              catalogue=catalogue))
    key = await store.write(partial(tenancy.issue_key, org_slug=slug))
    connector = await store.write(partial(
        tenancy.create_connector, org_id=org["id"], integration_slug=connector_integration,
        name=None, catalogue=catalogue))
    return Tenant(org["id"], slug, key["key"], key["id"], connector["connector_token"],
                  connector["id"])


@pytest.fixture
async def tenant(client, app) -> Tenant:
    return await make_tenant(app, "acme")


@pytest.fixture
async def other_tenant(client, app) -> Tenant:
    return await make_tenant(app, "globex")
