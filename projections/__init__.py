"""Projections: the tables handlers read, computed from the log by one projector per
backend, with the decision queries commands use inside a write (`ports` says what a
backend offers; `sqlite` is the embedded one).
"""

from projections.ports import Backend, Decisions, Maintenance, ReadModel
from projections.webhooks import projector as _webhooks  # noqa: F401 (registers its handlers)

__all__ = ["Backend", "Decisions", "Maintenance", "ReadModel"]
