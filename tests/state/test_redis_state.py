"""Redis-backed buckets, caches, idempotency records and locks, against the real Redis.

Two `RedisState` objects with their own clients stand for two replicas; a `Forwarder` in front
of Redis is closed and reopened to lose Redis mid-flight and get it back.
"""

from __future__ import annotations

import hashlib
import logging

import anyio
import pytest

from shared import state as shared_state
from shared.errors import ConfigError, InvalidInput
from shared.idempotency import IdempotencyStore
from shared.ratelimit import BucketRegistry
from shared.redis_state import BACKEND_UP, RedisState

from .conftest import REDIS_URL, keys_under, wait_for

ALICE, BOB = "jira:alice@example.com@https://acme.atlassian.net", "jira:bob@example.com@https://acme.atlassian.net"


def sha(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


@pytest.fixture
def replicas(prefix):
    states = [RedisState(REDIS_URL, prefix=prefix) for _ in range(2)]
    yield states
    for s in states:
        s.close()


# -- choosing the backend ---------------------------------------------------------------------------
def test_backend_comes_from_redis_url(prefix):
    assert isinstance(shared_state.from_env({}), shared_state.LocalState)
    assert isinstance(shared_state.from_env({"REDIS_URL": " "}), shared_state.LocalState)
    chosen = shared_state.from_env({"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix})
    try:
        assert chosen.backend == "redis" and chosen.prefix == prefix and chosen.healthy()
        assert "127.0.0.1:6379" in chosen.describe()
    finally:
        chosen.close()
    with pytest.raises(ConfigError, match="REDIS_URL is invalid"):
        shared_state.from_env({"REDIS_URL": "localhost:6379"})
    with pytest.raises(ConfigError, match="REDIS_TIMEOUT_SECONDS"):
        shared_state.from_env({"REDIS_URL": REDIS_URL, "REDIS_TIMEOUT_SECONDS": "soon"})


def test_local_state_is_the_in_process_classes():
    local = shared_state.LocalState()
    assert type(local.buckets(5)) is BucketRegistry
    assert type(local.idempotency()) is IdempotencyStore
    assert local.lock("x") is local.lock("x")


# -- rate limits ------------------------------------------------------------------------------------
def test_replicas_draw_from_one_bucket(replicas):
    a = replicas[0].buckets(rate=5).get(ALICE, "Jira")
    b = replicas[1].buckets(rate=5).get(ALICE, "Jira")
    assert [a.reserve() for _ in range(5)] == [0.0] * 5, "a full bucket of 5"
    wait = b.reserve()
    assert 0.1 < wait <= 0.21, f"the other replica must wait for the 6th token (~0.2 s), waited {wait}"
    assert b.reserve() > wait, "reservations queue up"
    # in process, each replica would have had its own 5 tokens
    local = [BucketRegistry(5).get(ALICE, "Jira") for _ in range(2)]
    assert [local[i % 2].reserve() for i in range(10)] == [0.0] * 10


def test_identities_have_separate_buckets_and_keys_hide_them(replicas, redis_client, prefix):
    a = replicas[0].buckets(rate=2).get(ALICE, "Jira")
    b = replicas[1].buckets(rate=2).get(BOB, "Jira")
    a.reserve(), a.reserve()
    assert a.reserve() > 0 and b.reserve() == 0.0
    keys = keys_under(redis_client, prefix)
    assert keys == sorted([f"{prefix}bucket:{sha(ALICE)}:Jira", f"{prefix}bucket:{sha(BOB)}:Jira"])
    assert all("alice" not in k and "bob" not in k for k in keys)
    assert 0 < redis_client.pttl(keys[0]) <= 3000, "an idle bucket expires once it would be full again"


def test_retry_after_pauses_every_replica(replicas):
    a = replicas[0].buckets(rate=100).get(ALICE, "Jira")
    b = replicas[1].buckets(rate=100).get(ALICE, "Jira")
    assert b.paused_for() == 0.0
    a.observe({"Retry-After": "3"})
    assert 2.5 < b.paused_for() <= 3.0, "the pause is visible to every replica before it takes a token"
    assert 2.5 < b.reserve() <= 3.0


# -- caches -----------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_cache_is_shared_by_replicas_and_never_across_identities(replicas, redis_client, prefix):
    one, two = replicas[0].cache(ttl_seconds=60), replicas[1].cache(ttl_seconds=60)
    loads = []

    def loader(who):
        async def load():
            loads.append(who)
            return {"displayName": who, "groups": ["a", "b"]}

        return load

    assert await one.get_or_load(ALICE, "myself", None, loader("alice")) == {
        "displayName": "alice",
        "groups": ["a", "b"],
    }
    assert await two.get_or_load(ALICE, "myself", None, loader("alice-again")) == {
        "displayName": "alice",
        "groups": ["a", "b"],
    }
    assert await two.get_or_load(BOB, "myself", None, loader("bob")) == {"displayName": "bob", "groups": ["a", "b"]}
    assert await one.get_or_load(BOB, "myself", None, loader("bob-again")) == {
        "displayName": "bob",
        "groups": ["a", "b"],
    }
    assert loads == ["alice", "bob"], "one load per identity, shared warm by the other replica"

    keys = keys_under(redis_client, prefix)
    assert len(keys) == 2 and all(k.startswith(f"{prefix}cache:") for k in keys)
    assert {k.split(":")[2] for k in keys} == {sha(ALICE), sha(BOB)}, "every key names its identity (hashed)"
    assert not any("alice" in k or "bob" in k for k in keys)
    assert all(0 < redis_client.pttl(k) <= 60_000 for k in keys)

    one.put(ALICE, "users", ("PROJ", "carol"), [{"accountId": "c1"}])
    assert two.peek(ALICE, "users", ("PROJ", "carol")) == [{"accountId": "c1"}]
    assert two.peek(BOB, "users", ("PROJ", "carol")) is None
    two.invalidate(ALICE, "myself")
    assert one.peek(ALICE, "myself", None) is None and one.peek(BOB, "myself", None) is not None


@pytest.mark.anyio
async def test_concurrent_misses_share_one_load(replicas):
    cache = replicas[0].cache(ttl_seconds=60)
    calls = 0
    release = anyio.Event()

    async def load():
        nonlocal calls
        calls += 1
        await release.wait()
        return [1, 2, 3]

    results = []

    async def get():
        results.append(await cache.get_or_load(ALICE, "fields", None, load))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(get)
        await wait_async(lambda: calls == 1)
        release.set()
    assert calls == 1 and results == [[1, 2, 3]] * 5


async def wait_async(predicate, timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.005)


# -- idempotency and locks --------------------------------------------------------------------------
def test_idempotency_records_are_shared(replicas, redis_client, prefix):
    one, two = replicas[0].idempotency(ttl_seconds=600), replicas[1].idempotency(ttl_seconds=600)
    one.begin(ALICE, "key-1", "fp-1")
    record = two.get(ALICE, "key-1", "fp-1")
    assert record is not None and record.pending
    one.complete(ALICE, "key-1", {"key": "SHOP-42"})
    record = two.get(ALICE, "key-1", "fp-1")
    assert not record.pending and record.result == {"key": "SHOP-42"}
    with pytest.raises(InvalidInput, match="different request"):
        two.get(ALICE, "key-1", "fp-other")
    assert two.get(BOB, "key-1", "fp-1") is None, "another identity's key is another record"
    (key,) = [k for k in keys_under(redis_client, prefix) if ":idem:" in k]
    assert 0 < redis_client.pttl(key) <= 600_000 and "key-1" not in key
    two.forget(ALICE, "key-1")
    assert one.get(ALICE, "key-1", "fp-1") is None


@pytest.mark.anyio
async def test_a_lock_excludes_other_replicas(replicas):
    held = anyio.Event()
    got_second = False

    async with replicas[0].lock("refresh:alice", ttl_seconds=10):
        with anyio.move_on_after(0.3):  # bounded attempt while the first replica holds it
            async with replicas[1].lock("refresh:alice"):
                got_second = True
        assert not got_second
        held.set()
    with anyio.fail_after(3):
        async with replicas[1].lock("refresh:alice"):
            got_second = True
    assert got_second
    # the idempotency lock is one of these too
    one, two = replicas[0].idempotency(), replicas[1].idempotency()
    async with one.lock(ALICE, "k"):
        with anyio.move_on_after(0.2):
            async with two.lock(ALICE, "k"):
                pytest.fail("two replicas ran the same idempotent write at once")
    with anyio.fail_after(3):
        async with two.lock(ALICE, "k"):
            pass


# -- losing Redis -----------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_losing_redis_degrades_with_one_warning_then_recovers(forwarder, redis_client, prefix, caplog):
    caplog.set_level(logging.INFO, logger="shared.state")
    state = RedisState(forwarder.url, prefix=prefix, retry_seconds=0.2)
    try:
        bucket = state.buckets(rate=1000).get(ALICE, "Jira")
        cache = state.cache(ttl_seconds=60)
        store = state.idempotency()
        bucket_key = f"{prefix}bucket:{sha(ALICE)}:Jira"
        assert bucket.reserve() == 0.0 and redis_client.exists(bucket_key)

        async def load():
            return {"v": 1}

        assert await cache.get_or_load(ALICE, "myself", None, load) == {"v": 1}

        forwarder.close()  # Redis gone mid-flight
        for _ in range(20):
            assert bucket.reserve() == 0.0, "in-process bucket while Redis is gone"
            assert await cache.get_or_load(ALICE, "myself", None, load) == {"v": 1}
            async with state.lock("refresh"):
                pass
        store.begin(ALICE, "k", "fp")
        store.complete(ALICE, "k", {"key": "SHOP-1"})
        assert store.get(ALICE, "k", "fp").result == {"key": "SHOP-1"}
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "unreachable" in r.getMessage()]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert not state.link.up and BACKEND_UP._value.get() == 0

        redis_client.delete(bucket_key)
        forwarder.open()  # Redis is back: the next call after the retry period uses it again
        wait_for(
            lambda: bucket.reserve() is not None and redis_client.exists(bucket_key),
            timeout=5,
            what="the bucket to live in Redis again",
        )
        assert state.link.up and BACKEND_UP._value.get() == 1
        assert any("is back" in r.getMessage() for r in caplog.records)
        assert await cache.get_or_load(ALICE, "myself", None, load) == {"v": 1}
    finally:
        state.close()


def test_redis_down_at_start_still_serves(prefix, caplog):
    from .conftest import free_port

    state = RedisState(f"redis://127.0.0.1:{free_port()}/0", prefix=prefix, retry_seconds=30)
    try:
        bucket = state.buckets(rate=2).get(ALICE, "Jira")
        assert [bucket.reserve() for _ in range(2)] == [0.0, 0.0]
        assert bucket.reserve() > 0, "the in-process bucket still limits"
        assert not state.healthy()
        assert sum("unreachable" in r.getMessage() for r in caplog.records) == 1
    finally:
        state.close()
