"""Idempotency store: one record per (identity, key); a reused key must match its request."""

from __future__ import annotations

import pytest

from shared.errors import InvalidInput
from shared.idempotency import IdempotencyStore, fingerprint


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
