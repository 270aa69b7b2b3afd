"""Property-based tests through HTTP: one real app per backend (a server on 127.0.0.1),
one organization per generated example, hypothesis drawing inside the example.

`for_each_example(harness_name, examples, run)` starts the app on a fresh database of
that backend and runs `await run(client, tenant, data)` for each example, `data` being
hypothesis's `st.data()`.
"""

import asyncio
import itertools
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.settings import Settings
from tests.backends import HARNESSES
from tests.conftest import make_tenant

Example = Callable[[TestClient, Any, Any], Awaitable[None]]


async def _client(db: str) -> TestClient:
    client = TestClient(TestServer(create_app(Settings(db=db, synchronous="NORMAL"))))
    await client.start_server()
    return client


def for_each_example(harness_name: str, examples: int, run: Example) -> None:
    orgs = itertools.count()
    with tempfile.TemporaryDirectory() as directory:
        loop = asyncio.new_event_loop()
        client = loop.run_until_complete(_client(HARNESSES[harness_name](directory).db))
        try:
            @settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow])
            @given(st.data())
            def holds(data: Any) -> None:
                slug = f"org-{next(orgs)}"

                async def example() -> None:
                    tenant = await make_tenant(client.server.app, slug)
                    await run(client, tenant, data)
                loop.run_until_complete(example())

            holds()
        finally:
            loop.run_until_complete(client.close())
            loop.close()
