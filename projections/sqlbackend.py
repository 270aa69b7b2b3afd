"""What every SQL backend is: its event store (with the projector inline), the read
queries over the store's readers, and opening and closing them. A backend's subclass
builds the store and adds `exists` and `maintenance`."""

import functools
from collections.abc import Callable
from typing import Any, Self, TypeVar

from projections.queries import ReadQueries

F = TypeVar("F", bound=Callable[..., Any])


def translating(driver_error: type[Exception],
                translate: Callable[[BaseException], BaseException]) -> Callable[[F], F]:
    """A decorator: the driver's errors leave the function as the store's neutral ones."""
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except driver_error as exc:
                raise translate(exc) from exc
        return wrapper  # type: ignore[return-value]
    return decorate


class SqlBackend:
    def __init__(self, store: Any, description: str) -> None:
        self.store = store
        self.description = description
        self.queries = ReadQueries(store.readers)

    async def open(self) -> Self:
        await self.store.open()
        return self

    async def close(self) -> None:
        await self.store.close()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


