"""Seeding many fields before the service starts: the pool the mapping workload maps.

Each request of that workload maps a distinct field, so the pool must outlast the run.
Creating it over HTTP would take about as long as the run itself; here the service's own
command (`service.commands.fields.CreateField`) runs through its own event store, a
thousand fields per transaction, so the events and projections are exactly those the
API would write. Runs only while no server has the database open.
"""

import asyncio

from service.backend import make_backend
from service.commands import Context
from service.commands.fields import CreateField
from service.commands.tenancy import organization
from service.settings import Settings

BATCH = 1000


async def _seed(db: str, org_slug: str, category: str, model: str, names: list[str]
                ) -> list[str]:
    settings = Settings.from_env(db=db)
    ctx = Context.from_settings(settings)
    ids: list[str] = []

    def create(batch: list[str]):
        def unit(tx) -> list[str]:
            org_id = organization(tx, org_slug)["id"]
            return [CreateField(org_id=org_id, category=category, model=model,
                                name=name).unit(ctx)(tx)["id"] for name in batch]
        return unit

    backend = make_backend(settings)
    await backend.open()
    try:
        for start in range(0, len(names), BATCH):
            ids += await backend.store.write(create(names[start:start + BATCH]))
    finally:
        await backend.close()
    return ids


def seed_fields(db: str, org_slug: str, category: str, model: str, count: int,
                prefix: str) -> list[str]:
    """Create `count` text fields named PREFIX_N; their ids, in creation order."""
    names = [f"{prefix}_{i}" for i in range(count)]
    return asyncio.run(_seed(db, org_slug, category, model, names))
