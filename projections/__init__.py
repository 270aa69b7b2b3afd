"""Projections: the tables handlers read, computed from the log by one projector.

`projector.project` applies an event inline in the append transaction; `rebuild`
replays the log into fresh tables, checksums and swaps them; `queries` reads them.
"""

from projections.projector import project
from projections.schema import create_projection_tables

__all__ = ["create_projection_tables", "project"]
