"""Idempotency store: one record per (identity, key); a reused key must match its request."""

from __future__ import annotations

import pytest

from shared.errors import InvalidInput, UncertainWrite
from shared.idempotency import IdempotencyStore, fingerprint, run_once


def test_fingerprint_is_stable_across_key_order_and_differs_by_content():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_unknown_key_has_no_record():
    assert IdempotencyStore().get("alice", "k1", fingerprint({"x": 1})) is None


def test_same_key_same_request_returns_the_stored_record():
    store = IdempotencyStore()
    fp = fingerprint({"summary": "Fix login"})
    store.begin("alice", "k1", fp)
    pending = store.get("alice", "k1", fp)
    assert pending is not None and pending.pending
    store.complete("alice", "k1", {"key": "PROJ-7"})
    done = store.get("alice", "k1", fp)
    assert done is not None and not done.pending
    assert done.result == {"key": "PROJ-7"}


def test_same_key_different_request_is_refused():
    store = IdempotencyStore()
    store.begin("alice", "k1", fingerprint({"summary": "Fix login"}))
    with pytest.raises(InvalidInput, match="idempotency_key was already used for a different request"):
        store.get("alice", "k1", fingerprint({"summary": "Something else"}))


def test_keys_are_per_identity():
    store = IdempotencyStore()
    store.begin("alice", "k1", fingerprint({"summary": "A"}))
    store.complete("alice", "k1", "PROJ-1")
    # Bob reusing the same key string is a different key, even with a different request.
    assert store.get("bob", "k1", fingerprint({"summary": "B"})) is None


def test_forget_drops_the_record():
    store = IdempotencyStore()
    fp = fingerprint({"x": 1})
    store.begin("alice", "k1", fp)
    store.forget("alice", "k1")
    assert store.get("alice", "k1", fp) is None
    store.forget("alice", "never-used")  # no error


def test_lock_is_shared_per_identity_and_key():
    store = IdempotencyStore()
    assert store.lock("alice", "k1") is store.lock("alice", "k1")
    assert store.lock("alice", "k1") is not store.lock("bob", "k1")
    assert store.lock("alice", "k1") is not store.lock("alice", "k2")


def test_complete_after_the_record_is_gone_is_harmless():
    store = IdempotencyStore()
    store.complete("alice", "never-begun", {"key": "PROJ-1"})
    assert store.get("alice", "never-begun", fingerprint({})) is None


# -- run_once after uncertain and certain failures ---------------------------------------------------


class Upstream:
    """Counts writes and lookups; `fail` is raised by the next write (after it "happened", if uncertain)."""

    def __init__(self) -> None:
        self.writes, self.lookups, self.stored = 0, 0, None
        self.fail: Exception | None = None

    async def write(self):
        self.writes += 1
        failure, self.fail = self.fail, None
        if isinstance(failure, UncertainWrite):
            self.stored = {"key": f"SHOP-{self.writes}"}  # it landed; only the answer was lost
        if failure is not None:
            raise failure
        self.stored = {"key": f"SHOP-{self.writes}"}
        return self.stored

    async def find(self):
        self.lookups += 1
        return self.stored


@pytest.mark.anyio
async def test_after_an_uncertain_write_the_record_stays_pending_and_the_retry_finds_it_upstream():
    store, up = IdempotencyStore(), Upstream()
    up.fail = UncertainWrite("Jira", "Jira is having trouble (HTTP 502)")
    with pytest.raises(UncertainWrite):
        await run_once(store, "alice", "k1", {"s": 1}, up.write, up.find)
    assert store.get("alice", "k1", fingerprint({"s": 1})).pending
    result, reused = await run_once(store, "alice", "k1", {"s": 1}, up.write, up.find)
    assert (result, reused) == ({"key": "SHOP-1"}, True)
    assert up.writes == 1 and up.lookups == 1


@pytest.mark.anyio
async def test_after_an_uncertain_write_that_did_not_land_the_retry_writes_once():
    store, up = IdempotencyStore(), Upstream()
    up.fail = UncertainWrite("Jira")
    with pytest.raises(UncertainWrite):
        await run_once(store, "alice", "k1", {"s": 1}, up.write, up.find)
    up.stored = None  # the lookup finds nothing: it never landed
    result, reused = await run_once(store, "alice", "k1", {"s": 1}, up.write, up.find)
    assert reused is False and up.writes == 2 and up.lookups == 1


@pytest.mark.anyio
async def test_a_certain_refusal_forgets_the_record_so_the_retry_writes_without_looking():
    store, up = IdempotencyStore(), Upstream()
    up.fail = InvalidInput("summary is too long")
    with pytest.raises(InvalidInput):
        await run_once(store, "alice", "k1", {"s": 1}, up.write, up.find)
    assert store.get("alice", "k1", fingerprint({"s": 1})) is None
    result, reused = await run_once(store, "alice", "k1", {"s": 1}, up.write, up.find)
    assert reused is False and up.lookups == 0
