"""The command side: every rule of the domain, and the events that record a change.

A command is a frozen dataclass of already-shaped input. `check` applies the rules that
need no stored state (before the write is queued); `apply` runs in the write
transaction, reads what it decides on through `tx.state` (the backend's decision
queries), raises a named `DomainError` when an invariant would break, and appends the
events. The two APIs, the CLI and the dashboard all run the same commands.
"""

from service.commands.base import Command, Context, Limits, execute

__all__ = ["Command", "Context", "Limits", "execute"]
