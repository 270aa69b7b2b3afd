"""The real app served on an event loop of the test's own, for hypothesis properties
through HTTP: `@given` cannot decorate an async test, so a sync test opens the app
once (`served`) and runs each example on the loop (`Served.run`), every example in
organizations of its own."""

import asyncio
import itertools
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app
from service.settings import Settings
from tests.conftest import Tenant, make_tenant

T = TypeVar("T")


@dataclass
class Served:
    loop: asyncio.AbstractEventLoop
    client: TestClient
    slugs: Iterator[int]

    @property
    def app(self) -> Any:
        return self.client.server.app

    def run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    async def tenant(self, prefix: str = "org", **options: Any) -> Tenant:
        """A new organization with a key and a Workday connector (every integration
        enabled, unless `integrations=` says otherwise)."""
        return await make_tenant(self.app, f"{prefix}-{next(self.slugs)}", **options)


@contextmanager
def served(settings: Settings) -> Iterator[Served]:
    loop = asyncio.new_event_loop()

    async def start() -> TestClient:
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        return client

    client = loop.run_until_complete(start())
    try:
        yield Served(loop, client, itertools.count(1))
    finally:
        loop.run_until_complete(client.close())
        loop.close()
