"""The delivery worker's place in the app: made with the app (`service.app`), started
once the backend is open and stopped before it closes (`webhooks_ctx`, a cleanup
context appended after the backend's)."""

from collections.abc import AsyncIterator

from aiohttp import web

from service.appkeys import webhooks_key


async def webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    worker = app[webhooks_key]
    await worker.start()
    yield
    await worker.stop()
