"""IdentityCache: entries keyed by identity first, TTL, and single-flight loading."""

from __future__ import annotations

import functools

import anyio
import pytest
from cachetools import TTLCache

import shared.cache as cache_module
from shared.cache import IdentityCache

from .fakes import FakeTime

pytestmark = pytest.mark.anyio


class Loader:
    """An async loader that counts its calls; optionally waits for `gate` before answering."""

    def __init__(self, value, gate: anyio.Event | None = None, error: Exception | None = None):
        self.value, self.gate, self.error = value, gate, error
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.value


async def test_miss_loads_then_hits():
    cache = IdentityCache()
    load = Loader({"customfield_1": "Story points"})
    assert await cache.get_or_load("alice", "fields", "all", load) == {"customfield_1": "Story points"}
    assert await cache.get_or_load("alice", "fields", "all", load) == {"customfield_1": "Story points"}
    assert load.calls == 1


async def test_one_identity_never_sees_another_identitys_entry():
    cache = IdentityCache()
    alice_load, bob_load = Loader(["PROJ", "SECRET"]), Loader(["PROJ"])
    assert await cache.get_or_load("alice", "projects", None, alice_load) == ["PROJ", "SECRET"]
    assert cache.peek("bob", "projects", None) is None
    assert await cache.get_or_load("bob", "projects", None, bob_load) == ["PROJ"]
    assert (alice_load.calls, bob_load.calls) == (1, 1)
    assert cache.peek("alice", "projects", None) == ["PROJ", "SECRET"]


async def test_namespaces_and_keys_are_separate():
    cache = IdentityCache()
    cache.put("alice", "users", "alex", "u1")
    assert cache.peek("alice", "boards", "alex") is None
    assert cache.peek("alice", "users", "sam") is None
    assert cache.peek("alice", "users", "alex") == "u1"


async def test_entries_expire_after_the_ttl(monkeypatch):
    time = FakeTime()
    monkeypatch.setattr(cache_module, "TTLCache", functools.partial(TTLCache, timer=time.clock))
    cache = IdentityCache(ttl_seconds=300)
    load = Loader("v1")
    await cache.get_or_load("alice", "fields", "all", load)
    time.advance(299)
    await cache.get_or_load("alice", "fields", "all", load)
    assert load.calls == 1
    time.advance(2)
    assert cache.peek("alice", "fields", "all") is None
    load.value = "v2"
    assert await cache.get_or_load("alice", "fields", "all", load) == "v2"
    assert load.calls == 2


async def test_concurrent_misses_share_one_load():
    cache = IdentityCache()
    gate = anyio.Event()
    load = Loader("value", gate=gate)
    results = []

    async def get():
        results.append(await cache.get_or_load("alice", "sprints", 42, load))

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(get)
        await anyio.wait_all_tasks_blocked()
        assert load.calls == 1  # everyone else is waiting on the first load
        gate.set()
    assert results == ["value"] * 5
    assert load.calls == 1


async def test_concurrent_misses_of_different_identities_do_not_share_a_load():
    cache = IdentityCache()
    gate = anyio.Event()
    alice, bob = Loader("alice's", gate=gate), Loader("bob's", gate=gate)
    results = {}

    async def get(identity, load):
        results[identity] = await cache.get_or_load(identity, "fields", "all", load)

    async with anyio.create_task_group() as tg:
        tg.start_soon(get, "alice", alice)
        tg.start_soon(get, "bob", bob)
        await anyio.wait_all_tasks_blocked()
        gate.set()
    assert results == {"alice": "alice's", "bob": "bob's"}
    assert (alice.calls, bob.calls) == (1, 1)


async def test_a_failed_load_is_not_cached_and_waiters_load_again():
    cache = IdentityCache()
    gate = anyio.Event()
    failing = Loader(None, gate=gate, error=RuntimeError("upstream down"))
    working = Loader("value")
    outcome = {}

    async def first():
        with pytest.raises(RuntimeError, match="upstream down"):
            await cache.get_or_load("alice", "fields", "all", failing)
        outcome["first"] = "raised"

    async def second():
        outcome["second"] = await cache.get_or_load("alice", "fields", "all", working)

    async with anyio.create_task_group() as tg:
        tg.start_soon(first)
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()
        assert working.calls == 0  # waiting for the in-flight load
        gate.set()
    assert outcome == {"first": "raised", "second": "value"}
    assert (failing.calls, working.calls) == (1, 1)


async def test_invalidate_one_key_or_a_whole_namespace_for_one_identity_only():
    cache = IdentityCache()
    cache.put("alice", "users", "a", 1)
    cache.put("alice", "users", "b", 2)
    cache.put("alice", "boards", "a", 3)
    cache.put("bob", "users", "a", 4)
    cache.invalidate("alice", "users", "a")
    assert cache.peek("alice", "users", "a") is None
    assert cache.peek("alice", "users", "b") == 2
    cache.invalidate("alice", "users")
    assert cache.peek("alice", "users", "b") is None
    assert cache.peek("alice", "boards", "a") == 3
    assert cache.peek("bob", "users", "a") == 4
