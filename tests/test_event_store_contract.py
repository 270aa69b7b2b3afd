"""The event store's contract (DESIGN section 7), checked on the `events.EventStore` port.

Each test names one promise of the log: expected versions, an append-only log, a hash
chain that `verify` checks, upcasting on read, group commit with per-unit rollback, and
"answered only after commit". The suite runs over every backend through the `backend`
fixture (tests/backends.py): each test opens the backend's store on a fresh database,
and whatever it does behind the store's back (tampering, raw inserts, counting) goes
through the harness, so no test body names a database.
"""

import asyncio

import pytest

import events
from events import types as ev
from events.canonical import GENESIS_HASH, canonical_json, chain_hash
from events.envelope import hashed_body
from tests.backends import RefusedByDatabase

ORG = "org-1"


@pytest.fixture
async def store(backend):
    async with backend.store() as opened:
        yield opened


def verify(backend) -> dict:
    """The backend's full verify (hash chain and projections), on a connection of its own."""
    with backend.maintenance() as maintenance:
        return maintenance.verify()


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
        store, backend):
    await seed(store, "s", n=2)
    before = backend.count_events()

    def stale_unit(tx):
        tx.append("other", 0, [enabled("first-write-of-the-unit")], org_id=ORG)
        return tx.append("s", 1, [enabled("lost-update")], org_id=ORG)

    with pytest.raises(events.ConcurrencyConflict) as caught:
        await store.write(stale_unit)

    assert caught.value.stream_id == "s"
    assert caught.value.expected_version == 1
    assert backend.count_events() == before
    assert [e.version for e in await store.stream_events("s")] == [1, 2]
    assert await store.stream_events("other") == []


async def test_appending_to_an_existing_stream_as_new_is_a_conflict(store, backend):
    await seed(store, "s", n=1)

    with pytest.raises(events.ConcurrencyConflict):
        await store.write(append("s", 0, enabled("again")))

    assert backend.count_events() == 1


@pytest.mark.parametrize("existing, expected", [(0, 3), (1, 5), (2, 3)])
async def test_appending_with_an_expected_version_ahead_of_the_stream_is_a_conflict(
        store, backend, existing, expected):
    if existing:
        await seed(store, "s", n=existing)

    with pytest.raises(events.ConcurrencyConflict):
        await store.write(append("s", expected, enabled("from-the-future")))

    assert backend.count_events() == existing
    assert [e.version for e in await store.stream_events("s")] == list(range(1, existing + 1))


async def test_a_conflicting_writer_can_retry_with_the_current_version(store):
    await seed(store, "s", n=2)
    with pytest.raises(events.ConcurrencyConflict):
        await store.write(append("s", 1, enabled("stale")))

    def retry(tx):
        return tx.append("s", tx.stream_version("s"), [enabled("fresh")], org_id=ORG)

    [stored] = await store.write(retry)
    assert stored.version == 3


# --- append-only log ---------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["update one", "update all", "delete one", "delete all"])
async def test_the_database_refuses_update_and_delete_on_the_log(store, backend, how):
    stored = await seed(store, n=2)
    with pytest.raises(RefusedByDatabase):
        backend.try_to_change_the_log(how)
    assert backend.stored_rows() == [(s.seq, canonical_json(s.data), s.hash) for s in stored]


async def test_the_database_refuses_a_row_that_does_not_extend_the_hash_chain(store, backend):
    [first] = await seed(store, n=1)
    data = {"org_id": ORG, "integration_slug": "x"}
    body = hashed_body(2, "forged", ORG, "forged", 1, "IntegrationEnabled", 1, data, {},
                       first.recorded_at)
    with pytest.raises(RefusedByDatabase):  # its own hash is right, its link is not
        backend.insert_raw_event(seq=2, event_id="forged", org_id=ORG, stream_id="forged",
                                 version=1, type_="IntegrationEnabled", schema_version=1,
                                 data=data, recorded_at=first.recorded_at,
                                 prev_hash=GENESIS_HASH,
                                 hash_=chain_hash(GENESIS_HASH, body))
    assert backend.count_events() == 1


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


async def test_verify_reports_ok_on_an_untouched_log(store, backend):
    await seed(store, n=3)
    full = verify(backend)
    chain = full["chain"]
    assert chain["ok"] is True and chain["events"] == 3
    assert full["ok"] is True and full["projections"]["matched"] is True


async def test_verify_detects_an_edited_event(store, backend):
    stored = await store.write(append(
        "organization:org-1", 0, ev.OrganizationCreated(ORG, "acme", "Acme"),
        enabled("workday"), enabled("hubspot")))
    await store.write(append("api-key:k1", 0, ev.ApiKeyIssued("k1", ORG, "h" * 64, "cfk_abcd")))
    edited = stored[1]

    backend.tamper_event_data(edited.seq, {**edited.data, "integration_slug": "salesforce"})
    assert backend.stored_data(edited.seq)[0]["integration_slug"] == "salesforce"

    full = verify(backend)
    chain = full["chain"]
    assert chain["ok"] is False
    assert chain["first_bad_seq"] == edited.seq
    assert full["ok"] is False
    assert full["chain"]["first_bad_seq"] == edited.seq


# --- upcasting -----------------------------------------------------------------------------------

V1_FIELD = {"field_id": "f1", "org_id": ORG, "category": "HRIS", "model": "employee",
            "name": "badge_number", "description": None}


async def insert_v1_field_created(store, backend) -> str:
    """Write a FieldCreated row as version 1 wrote it (no type, number_format, source),
    with a valid hash chain, straight into the log; return its hash."""
    [created] = await store.write(append("organization:org-1", 0,
                                         ev.OrganizationCreated(ORG, "acme", "Acme")))
    seq, event_id, version, recorded_at = 2, "legacy-event-1", 1, created.recorded_at
    body = hashed_body(seq, event_id, ORG, "field:f1", version, "FieldCreated", 1, V1_FIELD, {},
                       recorded_at)
    legacy_hash = chain_hash(created.hash, body)
    backend.insert_raw_event(seq=seq, event_id=event_id, org_id=ORG, stream_id="field:f1",
                             version=version, type_="FieldCreated", schema_version=1,
                             data=V1_FIELD, recorded_at=recorded_at, prev_hash=created.hash,
                             hash_=legacy_hash)
    return legacy_hash


async def test_an_old_event_version_is_upcast_on_read_and_never_rewritten(store, backend):
    legacy_hash = await insert_v1_field_created(store, backend)

    [from_store] = await store.read_events(after=1)
    with backend.maintenance() as maintenance:
        [from_log] = list(maintenance.events(after=1))
        chain = maintenance.verify()["chain"]
    stored_data = backend.stored_data(2)

    for read in (from_store, from_log):
        assert isinstance(read.event, ev.FieldCreated)
        assert read.event.type == "text"
        assert read.event.number_format is None
        assert read.event.source == "API"
        assert read.event.name == "badge_number"
        assert read.schema_version == 1
        assert read.data == V1_FIELD
    assert stored_data[0] == V1_FIELD and stored_data[1] == 1
    assert chain == {"ok": True, "events": 2, "head": legacy_hash}


async def test_appends_continue_the_chain_after_an_upcast_event(store, backend):
    await insert_v1_field_created(store, backend)
    [appended] = await store.write(append("field:f1", 1, ev.FieldDeleted("f1")))
    assert (appended.seq, appended.version) == (3, 2)
    assert verify(backend)["chain"]["ok"] is True


# --- concurrency and group commit ----------------------------------------------------------------

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


async def test_a_unit_that_raises_inside_a_group_fails_alone(store, backend):
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
    assert verify(backend)["chain"] == {"ok": True, "events": 4,
                                        "head": successes[-1][0].hash}


async def test_a_failed_unit_leaves_the_store_usable(store):
    with pytest.raises(ZeroDivisionError):
        await store.write(lambda tx: 1 / 0)
    [stored] = await store.write(append("s", 0, enabled("after-failure")))
    assert stored.seq == 1


async def test_no_write_is_answered_before_its_commit(store, backend):
    seen_by_listener: list[int] = []

    def listener(committed):
        seen_by_listener.append(backend.count_events())

    store.commit_listeners.append(listener)

    for n in range(1, 6):
        [stored] = await store.write(append(f"s{n}", 0, enabled(f"i{n}")))
        row = backend.visible_events().get(stored.event_id)
        assert row == (stored.seq, stored.hash)
        assert seen_by_listener[-1] == n

    burst = await asyncio.gather(*(store.write(append(f"t{n}", 0, enabled("t")))
                                   for n in range(10)))
    visible = set(backend.visible_events())
    assert {s.event_id for [s] in burst} <= visible


async def test_a_failing_projector_rolls_the_event_back_too(backend):
    class ProjectionBroke(Exception):
        pass

    def fragile(_, stored):
        if stored.type == "ApiKeyRevoked":
            raise ProjectionBroke("cannot project")

    async with backend.store(extra_projectors=[fragile]) as store:
        def unit(tx):
            tx.append("organization:org-1", 0, [ev.OrganizationCreated(ORG, "acme", "Acme")],
                      org_id=ORG)
            tx.append("api-key:k1", 0, [ev.ApiKeyIssued("k1", ORG, "h" * 64, "cfk_abcd"),
                                        ev.ApiKeyRevoked("k1", ORG)], org_id=ORG)

        with pytest.raises(ProjectionBroke):
            await store.write(unit)

        assert backend.count_events() == 0
        assert backend.count_rows("organizations") == 0
        assert backend.count_rows("api_keys") == 0
        [stored] = await store.write(append("organization:org-1", 0,
                                            ev.OrganizationCreated(ORG, "acme", "Acme")))
        assert stored.seq == 1


# --- the database's refusals, in the store's own words ---------------------------------------

async def test_a_constraint_of_the_projections_is_an_integrity_violation_and_writes_nothing(
        store, backend):
    """Two organizations with one slug pass no command, but a unit may try: the
    projection's unique slug refuses it, and the error is the store's neutral one."""
    await store.write(append("organization:a", 0, ev.OrganizationCreated("a", "acme", "A"),
                             org="a"))

    with pytest.raises(events.IntegrityViolation):
        await store.write(append("organization:b", 0,
                                 ev.OrganizationCreated("b", "acme", "B"), org="b"))

    assert backend.count_events() == 1
    [stored] = await store.write(append("organization:c", 0,
                                        ev.OrganizationCreated("c", "other", "C"), org="c"))
    assert stored.seq == 2


async def test_a_unit_sees_the_conflict_not_the_driver_error(store):
    """What a unit catches, and its caller gets, names no database driver."""
    await seed(store, "s", n=1)

    def caught(tx):
        try:
            tx.append("s", 0, [enabled("stale")], org_id=ORG)
        except events.EventStoreError as exc:
            return type(exc)
        return None

    assert await store.write(caught) is events.ConcurrencyConflict


# --- caught failures: an append error the unit handles, a commit listener that raises ----------

async def test_a_failed_append_leaves_nothing_behind_even_if_the_unit_handles_the_error(backend):
    def fragile(_, stored):
        if stored.type == "ApiKeyRevoked":
            raise RuntimeError("cannot project")

    async with backend.store(extra_projectors=[fragile]) as store:
        def unit(tx):
            try:
                tx.append("api-key:k1", 0, [ev.ApiKeyIssued("k1", ORG, "h" * 64, "cfk_abcd"),
                                            ev.ApiKeyRevoked("k1", ORG)], org_id=ORG)
            except RuntimeError:
                return "handled"

        assert await store.write(unit) == "handled"
        assert backend.count_events() == 0


async def test_a_failing_commit_listener_does_not_stop_later_writes(store):
    def broken_listener(committed):
        raise RuntimeError("listener failed")

    store.commit_listeners.append(broken_listener)
    await store.write(append("a", 0, enabled("a")))
    store.commit_listeners.remove(broken_listener)

    [stored] = await asyncio.wait_for(store.write(append("b", 0, enabled("b"))), timeout=0.5)
    assert stored.seq == 2


async def test_a_reader_tailing_the_log_beside_several_writers_never_skips_a_seq(backend):
    """Three stores on one database (three replicas' writers) append concurrently while
    a reader keeps asking for what follows the last seq it saw: every answer starts at
    that seq + 1 and has no hole, so a reader that moves its position on never skips an
    event that commits later (the bigserial trap)."""
    stores = [backend.store() for _ in range(3)]
    for store in stores:
        await store.open()
    try:
        done = asyncio.Event()
        seen: list[int] = []

        async def write(n: int, store) -> None:
            for k in range(15):
                await asyncio.gather(*(store.write(append(f"w{n}-{k}-{j}", 0, enabled("x")))
                                       for j in range(3)))

        async def tail() -> None:
            while True:
                finished = done.is_set()
                page = await stores[0].read_events(after=seen[-1] if seen else 0)
                seqs = [e.seq for e in page]
                assert seqs == list(range(len(seen) + 1, len(seen) + 1 + len(seqs))), seqs
                seen.extend(seqs)
                if finished:
                    return
                await asyncio.sleep(0)

        reader = asyncio.create_task(tail())
        await asyncio.gather(*(write(n, store) for n, store in enumerate(stores)))
        done.set()
        await reader
    finally:
        for store in stores:
            await store.close()
    assert seen == list(range(1, 3 * 15 * 3 + 1))
    assert verify(backend)["ok"] is True
