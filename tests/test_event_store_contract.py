"""The event store's contract (DESIGN section 7), checked on `events.EventStore` directly.

Each test names one promise of the log: expected versions, an append-only table, a hash
chain that `verify` checks, upcasting on read, group commit with per-unit rollback, and
"answered only after commit". Stores are opened on a temporary SQLite file.
"""

import asyncio
import json
import sqlite3
from contextlib import asynccontextmanager

import pytest

import events
from events import log
from events import types as ev
from events.canonical import GENESIS_HASH, canonical_json, chain_hash
from events.envelope import hashed_body
from projections import create_projection_tables, project
from projections import rebuild as projection_rebuild

ORG = "org-1"


@asynccontextmanager
async def open_store(path, *, projectors=(project,), setup=(create_projection_tables,)):
    store = events.EventStore(str(path), projectors=list(projectors), setup=list(setup),
                              synchronous="NORMAL")
    async with store:
        yield store


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "events.db"


@pytest.fixture
async def store(db_path):
    async with open_store(db_path) as opened:
        yield opened


def plain(path) -> sqlite3.Connection:
    """A separate, plain sqlite3 connection in autocommit mode."""
    return sqlite3.connect(str(path), isolation_level=None)


def count_events(path) -> int:
    conn = plain(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    finally:
        conn.close()


def enabled(slug: str, org: str = ORG) -> ev.IntegrationEnabled:
    return ev.IntegrationEnabled(org, slug)


def append(stream: str, expected, *evts, org: str = ORG):
    """A write unit appending `evts` to `stream` with an expected version."""
    def unit(tx: events.WriteTransaction):
        return tx.append(stream, expected, list(evts), org_id=org)
    return unit


async def seed(store, stream="organization:org-1", n=3) -> list[events.StoredEvent]:
    return await store.write(append(stream, 0, *[enabled(f"integration-{i}")
                                                 for i in range(n)]))


# --- expected versions ---------------------------------------------------------------------

async def test_appending_with_a_stale_expected_version_raises_a_conflict_and_writes_nothing(
        store, db_path):
    await seed(store, "s", n=2)
    before = count_events(db_path)

    def stale_unit(tx):
        tx.append("other", 0, [enabled("first-write-of-the-unit")], org_id=ORG)
        return tx.append("s", 1, [enabled("lost-update")], org_id=ORG)

    with pytest.raises(events.ConcurrencyConflict) as caught:
        await store.write(stale_unit)

    assert caught.value.stream_id == "s"
    assert caught.value.expected_version == 1
    assert count_events(db_path) == before
    assert [e.version for e in await store.stream_events("s")] == [1, 2]
    assert await store.stream_events("other") == []


async def test_appending_to_an_existing_stream_as_new_is_a_conflict(store, db_path):
    await seed(store, "s", n=1)

    with pytest.raises(events.ConcurrencyConflict):
        await store.write(append("s", 0, enabled("again")))

    assert count_events(db_path) == 1


@pytest.mark.parametrize("existing, expected", [(0, 3), (1, 5), (2, 3)])
async def test_appending_with_an_expected_version_ahead_of_the_stream_is_a_conflict(
        store, db_path, existing, expected):
    if existing:
        await seed(store, "s", n=existing)

    with pytest.raises(events.ConcurrencyConflict):
        await store.write(append("s", expected, enabled("from-the-future")))

    assert count_events(db_path) == existing
    assert [e.version for e in await store.stream_events("s")] == list(range(1, existing + 1))


async def test_a_conflicting_writer_can_retry_with_the_current_version(store):
    await seed(store, "s", n=2)
    with pytest.raises(events.ConcurrencyConflict):
        await store.write(append("s", 1, enabled("stale")))

    def retry(tx):
        return tx.append("s", tx.stream_version("s"), [enabled("fresh")], org_id=ORG)

    [stored] = await store.write(retry)
    assert stored.version == 3


# --- append-only table ------------------------------------------------------------------------

@pytest.mark.parametrize("statement, message", [
    ("UPDATE events SET data = '{}' WHERE seq = 1", "UPDATE refused"),
    ("UPDATE events SET hash = 'x', prev_hash = 'y'", "UPDATE refused"),
    ("DELETE FROM events WHERE seq = 1", "DELETE refused"),
    ("DELETE FROM events", "DELETE refused"),
])
async def test_the_database_refuses_update_and_delete_on_the_log(store, db_path, statement,
                                                                 message):
    stored = await seed(store, n=2)
    conn = plain(db_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=message):
            conn.execute(statement)
        rows = conn.execute("SELECT seq, data, hash FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()
    assert rows == [(s.seq, canonical_json(s.data), s.hash) for s in stored]


async def test_the_database_refuses_a_row_that_does_not_extend_the_hash_chain(store, db_path):
    [first] = await seed(store, n=1)
    conn = plain(db_path)
    try:
        body = hashed_body(2, "forged", ORG, "forged", 1, "IntegrationEnabled", 1,
                           {"org_id": ORG, "integration_slug": "x"}, {}, first.recorded_at)
        with pytest.raises(sqlite3.IntegrityError, match="hash chain"):
            conn.execute(log.INSERT_EVENT, (
                2, "forged", ORG, "forged", 1, "IntegrationEnabled", 1,
                canonical_json(body["data"]), "{}", first.recorded_at, GENESIS_HASH,
                chain_hash(GENESIS_HASH, body)))
    finally:
        conn.close()
    assert count_events(db_path) == 1


# --- hash chain and verify ---------------------------------------------------------------------

async def test_the_hash_chain_links_each_event_to_the_previous_one(store):
    await seed(store, "a", n=2)
    await store.write(append("b", 0, enabled("b1")))
    await seed(store, "c", n=3)

    stored = await store.read_events()

    assert [s.seq for s in stored] == list(range(1, 7))
    assert stored[0].prev_hash == GENESIS_HASH
    for previous, current in zip(stored, stored[1:]):
        assert current.prev_hash == previous.hash
    for s in stored:
        assert s.hash == chain_hash(s.prev_hash, s.hashed_body())
    assert len({s.hash for s in stored}) == len(stored)


async def test_verify_reports_ok_on_an_untouched_log(store, db_path):
    await seed(store, n=3)
    conn = log.connect(str(db_path))
    try:
        chain = log.verify_chain(conn)
        full = projection_rebuild.verify(conn)
    finally:
        conn.close()
    assert chain["ok"] is True and chain["events"] == 3
    assert full["ok"] is True and full["projections"]["matched"] is True


async def test_verify_detects_an_edited_event(store, db_path):
    stored = await store.write(append(
        "organization:org-1", 0, ev.OrganizationCreated(ORG, "acme", "Acme"),
        enabled("workday"), enabled("hubspot")))
    await store.write(append("api-key:k1", 0, ev.ApiKeyIssued("k1", ORG, "h" * 64, "cfk_abcd")))
    edited = stored[1]

    tamper = plain(db_path)
    try:
        tamper.execute("DROP TRIGGER events_refuse_update")
        tamper.execute("UPDATE events SET data = ? WHERE seq = ?",
                       (canonical_json({**edited.data, "integration_slug": "salesforce"}),
                        edited.seq))
    finally:
        tamper.close()

    conn = log.connect(str(db_path))
    try:
        chain = log.verify_chain(conn)
        full = projection_rebuild.verify(conn)
    finally:
        conn.close()
    assert chain["ok"] is False
    assert chain["first_bad_seq"] == edited.seq
    assert full["ok"] is False
    assert full["chain"]["first_bad_seq"] == edited.seq


# --- upcasting -------------------------------------------------------------------------------------

V1_FIELD = {"field_id": "f1", "org_id": ORG, "category": "HRIS", "model": "employee",
            "name": "badge_number", "description": None}


async def insert_v1_field_created(store, db_path) -> str:
    """Write a FieldCreated row as version 1 wrote it (no type, number_format, source),
    with a valid hash chain, straight into the table; return its hash."""
    [created] = await store.write(append("organization:org-1", 0,
                                         ev.OrganizationCreated(ORG, "acme", "Acme")))
    seq, event_id, version, recorded_at = 2, "legacy-event-1", 1, created.recorded_at
    body = hashed_body(seq, event_id, ORG, "field:f1", version, "FieldCreated", 1, V1_FIELD, {},
                       recorded_at)
    legacy_hash = chain_hash(created.hash, body)
    raw = plain(db_path)
    try:
        raw.execute(log.INSERT_EVENT, (
            seq, event_id, ORG, "field:f1", version, "FieldCreated", 1, canonical_json(V1_FIELD),
            "{}", recorded_at, created.hash, legacy_hash))
    finally:
        raw.close()
    return legacy_hash


async def test_an_old_event_version_is_upcast_on_read_and_never_rewritten(store, db_path):
    legacy_hash = await insert_v1_field_created(store, db_path)

    [from_store] = await store.read_events(after=1)
    conn = log.connect(str(db_path))
    try:
        [from_log] = list(log.iter_events(conn, after=1))
        stored_data = conn.execute("SELECT data, schema_version FROM events WHERE seq = 2"
                                   ).fetchone()
        chain = log.verify_chain(conn)
    finally:
        conn.close()

    for read in (from_store, from_log):
        assert isinstance(read.event, ev.FieldCreated)
        assert read.event.type == "text"
        assert read.event.number_format is None
        assert read.event.source == "API"
        assert read.event.name == "badge_number"
        assert read.schema_version == 1
        assert read.data == V1_FIELD
    assert json.loads(stored_data[0]) == V1_FIELD and stored_data[1] == 1
    assert chain == {"ok": True, "events": 2, "head": legacy_hash}


async def test_appends_continue_the_chain_after_an_upcast_event(store, db_path):
    await insert_v1_field_created(store, db_path)
    [appended] = await store.write(append("field:f1", 1, ev.FieldDeleted("f1")))
    assert (appended.seq, appended.version) == (3, 2)
    conn = log.connect(str(db_path))
    try:
        assert log.verify_chain(conn)["ok"] is True
    finally:
        conn.close()


# --- concurrency and group commit -------------------------------------------------------------------

async def test_fifty_concurrent_appends_to_one_stream_keep_versions_and_seqs_gapless(store):
    def next_in_stream(i):
        def unit(tx):
            version = tx.stream_version("busy")
            return tx.append("busy", version, [enabled(f"integration-{i}")], org_id=ORG)[0]
        return unit

    results = await asyncio.gather(*(store.write(next_in_stream(i)) for i in range(50)))

    assert sorted(r.version for r in results) == list(range(1, 51))
    assert sorted(r.seq for r in results) == list(range(1, 51))
    stream = await store.stream_events("busy")
    assert [s.version for s in stream] == list(range(1, 51))
    assert sorted(s.seq for s in stream) == list(range(1, 51))
    assert {s.event.integration_slug for s in stream} == {f"integration-{i}" for i in range(50)}


async def test_a_unit_that_raises_inside_a_group_fails_alone(store, db_path):
    commits: list[list[int]] = []
    store.commit_listeners.append(lambda committed: commits.append([s.seq for s in committed]))

    class Refused(Exception):
        pass

    def failing(tx):
        tx.append("doomed", 0, [enabled("doomed-1"), enabled("doomed-2")], org_id=ORG)
        raise Refused("invariant broken after appending")

    units = [append(f"ok-{i}", 0, enabled(f"ok-{i}")) for i in range(4)]
    units.insert(2, failing)

    results = await asyncio.gather(*(store.write(u) for u in units), return_exceptions=True)

    assert isinstance(results[2], Refused)
    successes = [r for i, r in enumerate(results) if i != 2]
    assert all(isinstance(r, list) and len(r) == 1 for r in successes), results
    assert commits == [[1, 2, 3, 4]], "the writes were expected to share one commit"
    streams = [s.stream_id for s in await store.read_events()]
    assert streams == ["ok-0", "ok-1", "ok-2", "ok-3"]
    assert await store.stream_events("doomed") == []
    conn = log.connect(str(db_path))
    try:
        assert log.verify_chain(conn) == {"ok": True, "events": 4, "head": successes[-1][0].hash}
    finally:
        conn.close()


async def test_a_failed_unit_leaves_the_store_usable(store):
    with pytest.raises(ZeroDivisionError):
        await store.write(lambda tx: 1 / 0)
    [stored] = await store.write(append("s", 0, enabled("after-failure")))
    assert stored.seq == 1


async def test_no_write_is_answered_before_its_commit(store, db_path):
    seen_by_listener: list[int] = []

    def listener(committed):
        seen_by_listener.append(count_events(db_path))

    store.commit_listeners.append(listener)

    for n in range(1, 6):
        [stored] = await store.write(append(f"s{n}", 0, enabled(f"i{n}")))
        conn = plain(db_path)
        try:
            row = conn.execute("SELECT seq, hash FROM events WHERE event_id = ?",
                               (stored.event_id,)).fetchone()
        finally:
            conn.close()
        assert row == (stored.seq, stored.hash)
        assert seen_by_listener[-1] == n

    burst = await asyncio.gather(*(store.write(append(f"t{n}", 0, enabled("t")))
                                   for n in range(10)))
    conn = plain(db_path)
    try:
        visible = {r[0] for r in conn.execute("SELECT event_id FROM events")}
    finally:
        conn.close()
    assert {s.event_id for [s] in burst} <= visible


async def test_a_failing_projector_rolls_the_event_back_too(db_path):
    class ProjectionBroke(Exception):
        pass

    def fragile(conn, stored):
        if stored.type == "ApiKeyRevoked":
            raise ProjectionBroke("cannot project")

    async with open_store(db_path, projectors=(project, fragile)) as store:
        def unit(tx):
            tx.append("organization:org-1", 0, [ev.OrganizationCreated(ORG, "acme", "Acme")],
                      org_id=ORG)
            tx.append("api-key:k1", 0, [ev.ApiKeyIssued("k1", ORG, "h" * 64, "cfk_abcd"),
                                        ev.ApiKeyRevoked("k1", ORG)], org_id=ORG)

        with pytest.raises(ProjectionBroke):
            await store.write(unit)

        assert count_events(db_path) == 0
        conn = plain(db_path)
        try:
            assert conn.execute("SELECT COUNT(*) FROM organizations").fetchone() == (0,)
            assert conn.execute("SELECT COUNT(*) FROM api_keys").fetchone() == (0,)
        finally:
            conn.close()
        [stored] = await store.write(append("organization:org-1", 0,
                                            ev.OrganizationCreated(ORG, "acme", "Acme")))
        assert stored.seq == 1


# --- known defects (documented, not fixed here) ------------------------------------------------------

async def test_a_failed_append_leaves_nothing_behind_even_if_the_unit_handles_the_error(db_path):
    def fragile(conn, stored):
        if stored.type == "ApiKeyRevoked":
            raise RuntimeError("cannot project")

    async with open_store(db_path, projectors=(project, fragile)) as store:
        def unit(tx):
            try:
                tx.append("api-key:k1", 0, [ev.ApiKeyIssued("k1", ORG, "h" * 64, "cfk_abcd"),
                                            ev.ApiKeyRevoked("k1", ORG)], org_id=ORG)
            except RuntimeError:
                return "handled"

        assert await store.write(unit) == "handled"
        assert count_events(db_path) == 0


async def test_a_failing_commit_listener_does_not_stop_later_writes(store):
    def broken_listener(committed):
        raise RuntimeError("listener failed")

    store.commit_listeners.append(broken_listener)
    await store.write(append("a", 0, enabled("a")))
    store.commit_listeners.remove(broken_listener)

    [stored] = await asyncio.wait_for(store.write(append("b", 0, enabled("b"))), timeout=0.5)
    assert stored.seq == 2
