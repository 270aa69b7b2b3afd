"""Schema versions: a database written by the previous version of the program is
upgraded when it is opened, keeps every event and verifies; one written by a later
version is refused with a message saying so. On every backend (the `backend` fixture).

The previous version is simulated the honest way: the real backend opened with its
migration list cut short, as the program before the latest migration shipped it.
"""

import pytest

import events
from events import types as ev
from events.errors import SchemaTooNew

NEWEST_LOG = 2  # the log's latest schema version
INDEX = "events_by_type"  # what its migration adds


def enabled(slug: str) -> events.Event:
    return ev.IntegrationEnabled("org-1", slug)


def append(*evts: events.Event):
    def unit(tx: events.WriteTransaction):
        return tx.append("organization:org-1", tx.stream_version("organization:org-1"),
                         list(evts), org_id="org-1")
    return unit


async def test_a_database_of_the_previous_schema_is_upgraded_and_keeps_its_events(
        backend, monkeypatch):
    schema = backend.log_schema
    monkeypatch.setattr(schema, "LOG_MIGRATIONS", schema.LOG_MIGRATIONS[:NEWEST_LOG - 1])
    async with backend.backend() as old:
        await old.store.write(append(enabled("workday"), enabled("hubspot")))
        written = await old.store.read_events()
    assert backend.migrations()["log"] == list(range(1, NEWEST_LOG))
    assert not backend.has_index(INDEX)

    monkeypatch.undo()
    async with backend.backend() as new:
        assert await new.store.read_events() == written
        await new.store.write(append(enabled("greenhouse")))
    assert backend.migrations()["log"] == list(range(1, NEWEST_LOG + 1))
    assert backend.has_index(INDEX)
    with backend.maintenance() as maintenance:
        report = maintenance.verify()
    assert report["ok"] is True and report["events"] == 3, report


async def test_opening_twice_applies_each_migration_once(backend):
    async with backend.backend():
        pass
    async with backend.backend():
        pass
    assert backend.migrations()["log"] == list(range(1, NEWEST_LOG + 1))
    assert backend.migrations()["projections"] == [1, 2]


async def test_a_database_from_a_later_program_is_refused_and_left_alone(backend):
    async with backend.backend() as opened:
        await opened.store.write(append(enabled("workday")))
    backend.record_migration("log", NEWEST_LOG + 1)
    with pytest.raises(SchemaTooNew, match=f"version {NEWEST_LOG + 1}, newer than this "
                                           f"program's {NEWEST_LOG}: upgrade the program"):
        async with backend.backend():
            pass
    assert backend.count_events() == 1
    assert backend.migrations()["log"] == list(range(1, NEWEST_LOG + 2))
