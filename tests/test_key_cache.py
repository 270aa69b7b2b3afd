"""The API-key cache (service.keycache), directly, over a stand-in store whose change
marker and head the test moves: a key is looked up once while only other things change,
again after a key event of this process or any commit of another, and a lookup that a
clear overtook is not kept. Revocations through HTTP, the CLI and other replicas are in
test_http_edge, test_answer_reuse and test_replicas."""

import asyncio
from types import SimpleNamespace

from service.keycache import KeyCache


class Store:
    def __init__(self) -> None:
        self.marker, self.seq, self.heads = 0, 0, 0

    def change_marker(self):
        return self.marker

    async def head(self):
        self.heads += 1
        await asyncio.sleep(0)
        return SimpleNamespace(seq=self.seq)

    def commit(self, cache: KeyCache, *types: str) -> None:
        """This process commits events of these types."""
        events = []
        for type_ in types:
            self.seq += 1
            events.append(SimpleNamespace(type=type_, seq=self.seq))
        self.marker += 1
        cache.committed(events)

    def commit_elsewhere(self) -> None:
        self.seq += 1
        self.marker += 1


class Lookups:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self):
        self.count += 1
        await asyncio.sleep(0)
        return ("hash", f"principal-{self.count}")


async def test_a_key_is_looked_up_once_while_only_other_things_are_committed():
    store, lookups = Store(), Lookups()
    cache = KeyCache(store)
    for _ in range(5):
        assert await cache.get("k", lookups) == ("hash", "principal-1")
        store.commit(cache, "FieldCreated", "MappingCreated")
    assert lookups.count == 1
    assert store.heads == 5  # one check of the head per movement of the marker


async def test_a_key_event_of_this_process_looks_every_key_up_again():
    store, lookups = Store(), Lookups()
    cache = KeyCache(store)
    await cache.get("k", lookups)
    for type_ in ("ApiKeyRevoked", "ApiKeyIssued", "OrganizationCreated"):
        store.commit(cache, "FieldCreated", type_)
        await cache.get("k", lookups)
    assert lookups.count == 4


async def test_any_commit_of_another_process_looks_every_key_up_again():
    store, lookups = Store(), Lookups()
    cache = KeyCache(store)
    await cache.get("k", lookups)
    store.commit_elsewhere()
    assert await cache.get("k", lookups) == ("hash", "principal-2")
    store.commit(cache, "FieldCreated")  # ours again: the head is ours
    await cache.get("k", lookups)
    assert lookups.count == 2


async def test_keys_are_looked_up_again_after_a_second_once_anything_moved():
    store, lookups, now = Store(), Lookups(), [0.0]
    cache = KeyCache(store, clock=lambda: now[0])
    expected = []
    for at, commits in ((0.0, False), (0.5, True), (1.2, True), (1.5, True), (5.0, False)):
        now[0] = at
        if commits:
            store.commit(cache, "FieldCreated")
        await cache.get("k", lookups)
        expected.append(lookups.count)
    # looked up at 0.0; at 1.2 the entries were over a second old and the marker moved;
    # at 5.0 nothing had moved, so they are kept however old
    assert expected == [1, 1, 2, 2, 2]


async def test_unknown_keys_are_kept_until_a_key_event():
    store = Store()
    cache = KeyCache(store)
    misses = 0

    async def unknown():
        nonlocal misses
        misses += 1

    for _ in range(3):
        assert await cache.get("bad", unknown) is None
    store.commit(cache, "ApiKeyIssued")
    await cache.get("bad", unknown)
    assert misses == 2


async def test_a_lookup_overtaken_by_a_revocation_is_not_kept():
    store, lookups = Store(), Lookups()
    cache = KeyCache(store)
    await cache.get("other", lookups)  # the first check of the head is done
    started = asyncio.Event()

    async def slow_lookup():
        started.set()
        await asyncio.sleep(0.01)
        return ("hash", "before the revocation")

    pending = asyncio.ensure_future(cache.get("k", slow_lookup))
    await started.wait()
    store.commit(cache, "ApiKeyRevoked")
    assert await pending == ("hash", "before the revocation")  # what it read, once
    assert await cache.get("k", lookups) == ("hash", "principal-2")


async def test_requests_meeting_one_movement_share_one_check_of_the_head():
    store, lookups = Store(), Lookups()
    cache = KeyCache(store)
    await cache.get("k", lookups)
    store.commit(cache, "FieldCreated")
    heads = store.heads
    await asyncio.gather(*(cache.get("k", lookups) for _ in range(10)))
    assert store.heads == heads + 1 and lookups.count == 1
