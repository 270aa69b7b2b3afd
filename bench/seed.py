"""Seeding many fields before the service starts: the pool the mapping workload maps.

Each request of that workload maps a distinct field, so the pool must outlast the run.
Creating it over HTTP would take about as long as the run itself; here the service's own
command (`service.commands.fields.create_field`) runs through its own event store, a
thousand fields per transaction, so the events and projections are exactly those the
API would write. Runs only while no server has the database open.
"""

import asyncio
from functools import partial

from service.catalogue import Catalogue
from service.commands import fields, tenancy
from service.settings import Settings
from service.storage import make_store

BATCH = 1000


def _create(tx, *, org_slug: str, catalogue: Catalogue, category: str, model: str,
            names: list[str]) -> list[str]:
    org_id = tenancy.org_by_slug(tx.conn, org_slug)[0]
    return [fields.create_field(tx, org_id=org_id, catalogue=catalogue, category=category,
                                model=model, name=name, description=None, type="text",
                                options=[], number_format=None, source="API")["id"]
            for name in names]


async def _seed(db: str, org_slug: str, category: str, model: str, names: list[str]
                ) -> list[str]:
    catalogue = Catalogue.load()
    ids: list[str] = []
    async with make_store(Settings.from_env(db=db)) as store:
        for start in range(0, len(names), BATCH):
            ids += await store.write(partial(
                _create, org_slug=org_slug, catalogue=catalogue, category=category,
                model=model, names=names[start:start + BATCH]))
    return ids


def seed_fields(db: str, org_slug: str, category: str, model: str, count: int,
                prefix: str) -> list[str]:
    """Create `count` text fields named PREFIX_N; their ids, in creation order."""
    names = [f"{prefix}_{i}" for i in range(count)]
    return asyncio.run(_seed(db, org_slug, category, model, names))
