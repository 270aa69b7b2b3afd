"""No event type can be forgotten: every declared type has a handler (or an explicit
mark saying it is left alone) in every projector and in the field-history fold, and an
event nobody handles is refused loudly, never dropped."""

from dataclasses import dataclass

import pytest

from events import types as ev
from events.envelope import Replayed
from projections.dispatch import HandlerTable, Unhandled
from projections.projector import HANDLERS as SQLITE_PROJECTOR
from projections.projector import project
from service.history import STEPS as HISTORY_FOLD
from service.history import Fold

TABLES = {"sqlite projector": SQLITE_PROJECTOR, "field history fold": HISTORY_FOLD}


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_every_event_type_is_handled_or_marked_as_left_alone(table: HandlerTable):
    assert table.missing() == [], (
        f"{table.name} neither handles nor ignores these event types: {table.missing()}")


@dataclass(frozen=True, slots=True)
class Unheard(ev.Event):
    """An event type of a newer code version than the tables know."""

    x: int


def test_an_event_of_an_unknown_type_is_refused_by_the_projector_and_the_fold():
    with pytest.raises(Unhandled):
        project(None, Replayed(1, "2026-01-01T00:00:00.000000Z", Unheard(1)))
    with pytest.raises(Unhandled):
        Fold().apply(Unheard(1))


def test_a_table_lists_a_type_it_has_not_thought_about():
    table: HandlerTable = HandlerTable("a new projector")
    table.handles(ev.FieldCreated)(lambda *args: None)
    assert "FieldDeleted" in table.missing() and "FieldCreated" not in table.missing()
    table.ignores(*(ev.registered_types()[name] for name in table.missing()))
    assert table.missing() == []
