"""A table of handlers by event type, which knows what it does not handle.

Projectors (and the history fold of the service) register one handler per event type,
or mark a type as deliberately not handled. An event whose type has neither raises
`Unhandled`: a new event type can never be dropped silently, and `missing()` lets a
test list the types nobody has thought about yet.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

from events import types as ev
from events.errors import EventStoreError

H = TypeVar("H", bound=Callable[..., object])


class Unhandled(EventStoreError):
    """An event type with no handler and no mark saying it is left alone on purpose."""


class HandlerTable(Generic[H]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: dict[type, H] = {}
        self._ignored: set[type] = set()

    def handles(self, event_cls: type) -> Callable[[H], H]:
        def register(fn: H) -> H:
            if event_cls in self._handlers or event_cls in self._ignored:
                raise ValueError(f"{self.name}: {event_cls.__name__} is handled twice")
            self._handlers[event_cls] = fn
            return fn
        return register

    def ignores(self, *event_classes: type) -> None:
        """Mark types this table leaves alone on purpose."""
        for event_cls in event_classes:
            if event_cls in self._handlers:
                raise ValueError(f"{self.name}: {event_cls.__name__} has a handler")
            self._ignored.add(event_cls)

    def get(self, event_cls: type) -> H | None:
        """The handler, None for an ignored type; Unhandled for a type never declared."""
        handler = self._handlers.get(event_cls)
        if handler is None and event_cls not in self._ignored:
            raise Unhandled(f"{self.name} has no handler for {event_cls.__name__} and does "
                            "not mark it as ignored")
        return handler

    def missing(self) -> list[str]:
        """Names of declared event types with neither a handler nor a mark."""
        return sorted(name for name, cls in ev.registered_types().items()
                      if cls not in self._handlers and cls not in self._ignored)
