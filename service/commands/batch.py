"""Several commands as one: applied in order in one transaction, all or nothing.

Each step has a label (where it came from: an item's index, a document path) and is a
command, or a function building its command from the results of the steps before it
(a mapping of a field created earlier in the same batch). Every step is tried, so one
answer names every refusal; any refusal is `BatchRefused`, keyed by label, and the
transaction is rolled back. Each refusal is reported as the step's own command would
report it alone (`refusal`): its status, code, detail and errors.

The stateless rules of the command steps run before the write (`unit`), as for any
command; a function step's command is checked by whoever built the batch, before it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from marshmallow import ValidationError

from events import Metadata
from service import rules
from service.commands.base import Command, Context, Tx
from service.errors import BatchRefused, DomainError

Row = dict[str, Any]
Built = Callable[[dict[str, Any]], Command[Any] | None]  # None: a step it needs was refused
Step = Command[Any] | Built


def refusal(exc: DomainError | ValidationError) -> Row:
    """A refusal as its problem answer would say it: status, code, detail, errors."""
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        return {"status": 422, "code": "VALIDATION_ERROR", "detail": "the request is not valid",
                "errors": messages}
    found: Row = {"status": exc.status, "code": exc.code, "detail": exc.detail}
    if exc.errors:
        found["errors"] = exc.errors
    return found


def attempt(refused: dict[str, Row], label: str, action: Callable[[], Any]) -> Any:
    """The action's result, or None with its refusal recorded under `label`."""
    try:
        return action()
    except DomainError as exc:
        refused[label] = refusal(exc)
        return None


def checked(command: Command[Any], ctx: Context) -> None:
    """A command's rules that need no stored state, as `Command.unit` runs them."""
    rules.require_no_nul(vars(command))
    command.check(ctx)


@dataclass(frozen=True)
class Batch(Command[dict[str, Any]]):
    """`steps` in order; `refused`: steps already refused, by label (an item whose request
    shape was wrong: its step is None), reported with the others. The result is each
    step's result by label, in order."""

    steps: tuple[tuple[str, Step | None], ...]
    refused: dict[str, Row] = field(default_factory=dict)
    noun: str = "changes"

    def unit(self, ctx: Context, meta: Metadata | None = None
             ) -> Callable[[Tx], dict[str, Any]]:
        refused = dict(self.refused)
        for label, step in self.steps:
            if isinstance(step, Command):
                attempt(refused, label, partial(checked, step, ctx))
        if refused and all(label in refused for label, _ in self.steps):
            self.refuse(refused)  # nothing left to try: the write is not queued
        return partial(self.run, ctx=ctx, meta=meta or Metadata(), refused=refused)

    def apply(self, tx: Tx, ctx: Context, meta: Metadata) -> dict[str, Any]:
        return self.run(tx, ctx, meta, dict(self.refused))

    def run(self, tx: Tx, ctx: Context, meta: Metadata, refused: dict[str, Row]
            ) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for label, step in self.steps:
            if label in refused:
                continue
            command = step if step is None or isinstance(step, Command) else step(results)
            if command is None:
                continue
            result = attempt(refused, label, partial(command.apply, tx, ctx, meta))
            if label not in refused:
                results[label] = result
        if refused:
            self.refuse(refused)
        return results

    def refuse(self, refused: dict[str, Row]) -> None:
        order = {label: n for n, (label, _) in enumerate(self.steps)}
        ordered = dict(sorted(refused.items(), key=lambda item: order.get(item[0], -1)))
        raise BatchRefused(ordered, len(self.steps), self.noun)
