"""The frame every command shares: its context, its two phases, and running it."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from events import EventStore, Metadata, WriteTransaction
from projections import Decisions
from service import rules
from service.catalogue import Catalogue
from service.jmes import ExpressionCache
from service.settings import Settings

R = TypeVar("R")
Tx = WriteTransaction[Decisions]


def matched_version(tx: Tx, stream_id: str, if_match: str | None) -> int:
    """The stream's version, which the caller's If-Match (when given) must still be:
    a 412 otherwise."""
    version = tx.stream_version(stream_id)
    rules.require_precondition(if_match, version)
    return version


@dataclass(frozen=True)
class Limits:
    """The bounds commands enforce, from the settings."""

    max_expression_length: int = 1024
    max_sync_records: int = 1000
    max_record_bytes: int = 65_536

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(settings.max_expression_length, settings.max_sync_records,
                   settings.max_record_bytes)


@dataclass(frozen=True)
class Context:
    """What commands consult besides the stored state: the catalogue, compiled
    expressions and the bounds. One per app (or CLI run)."""

    catalogue: Catalogue
    expressions: ExpressionCache
    limits: Limits

    @classmethod
    def from_settings(cls, settings: Settings, catalogue: Catalogue | None = None
                      ) -> "Context":
        return cls(catalogue or Catalogue.load(),
                   ExpressionCache(settings.expression_cache_size), Limits.from_settings(settings))


class Command(Generic[R]):
    """Subclasses are frozen dataclasses; they override `apply` and, when some rule
    needs no stored state, `check`."""

    def check(self, ctx: Context) -> None:
        """Rules that need no stored state; runs on the caller's thread, before the
        write is queued, so a refused command never takes the writer's time."""

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> R:
        raise NotImplementedError

    def unit(self, ctx: Context, meta: Metadata | None = None) -> Callable[[Tx], R]:
        """The checked command as a unit for `EventStore.write`."""
        rules.require_no_nul(vars(self))
        self.check(ctx)
        return partial(self.apply, ctx=ctx, meta=meta or Metadata())


async def execute(store: EventStore[Any], ctx: Context, command: Command[R],
                  meta: Metadata | None = None) -> R:
    """Check the command, run it in a write transaction, return its result once
    committed."""
    return await store.write(command.unit(ctx, meta))
