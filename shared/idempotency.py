"""Idempotency keys for writes whose upstream has none (Jira create, Confluence create...).

A record per (identity, key): `pending` while the write is in flight or ended without a clear
answer (lost answer or 5xx: the write may have happened), `done` with the result once it succeeded. A retry with
the same key returns the stored result; a retry after an uncertain outcome lets the connector
look upstream before writing again. The same key with a different request is refused.

`IdempotencyStore` keeps records in process; `shared.state` hands out a Redis-backed subclass
(records with a TTL, a lock per key shared by every replica) when REDIS_URL is set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import anyio
from cachetools import TTLCache

from .errors import ConnectorError, InvalidInput, UncertainWrite


def fingerprint(request: Any) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass
class Record:
    fingerprint: str
    result: Any = None

    @property
    def pending(self) -> bool:
        return self.result is None


class IdempotencyStore:
    def __init__(self, ttl_seconds: float = 24 * 3600, maxsize: int = 100_000):
        self.ttl_seconds = ttl_seconds
        self._records: TTLCache[tuple[str, str], Record] = TTLCache(maxsize=maxsize, ttl=ttl_seconds)
        self._locks: dict[Hashable, anyio.Lock] = {}

    def lock(self, identity: str, key: str) -> AbstractAsyncContextManager[object]:
        """An async context manager held while one request with this key runs."""
        return self._local_lock(identity, key)

    def _local_lock(self, identity: str, key: str) -> anyio.Lock:
        """This process's lock for the key (the Redis-backed store adds a lease shared by every replica)."""
        return self._locks.setdefault((identity, key), anyio.Lock())

    def get(self, identity: str, key: str, request_fingerprint: str) -> Record | None:
        record = self._load(identity, key)
        if record is not None and record.fingerprint != request_fingerprint:
            raise InvalidInput(
                "idempotency_key was already used for a different request. Use a new key for a new request."
            )
        return record

    def _load(self, identity: str, key: str) -> Record | None:
        return self._records.get((identity, key))

    def begin(self, identity: str, key: str, request_fingerprint: str) -> None:
        self._records[(identity, key)] = Record(request_fingerprint)

    def complete(self, identity: str, key: str, result: Any) -> None:
        record = self._records.get((identity, key))
        if record is not None:
            record.result = result

    def forget(self, identity: str, key: str) -> None:
        self._records.pop((identity, key), None)


async def run_once(
    store: IdempotencyStore,
    identity: str,
    key: str,
    request: Any,
    write: Callable[[], Awaitable[Any]],
    find_existing: Callable[[], Awaitable[Any | None]],
) -> tuple[Any, bool]:
    """Do `write` at most once per (identity, key); return (result, True if an earlier one was reused).

    After an uncertain outcome (`UncertainWrite`: the write was sent and no answer, or a 5xx, came
    back) the record stays pending and the next attempt asks `find_existing` upstream before
    writing again. A certain refusal (any other `ConnectorError`) forgets the record.
    """
    request_fingerprint = fingerprint(request)
    async with store.lock(identity, key):
        record = store.get(identity, key, request_fingerprint)
        if record is not None and not record.pending:
            return record.result, True
        if record is not None:
            found = await find_existing()
            if found is not None:
                store.complete(identity, key, found)
                return found, True
        store.begin(identity, key, request_fingerprint)
        try:
            result = await write()
        except UncertainWrite:
            raise  # stays pending: the next retry with this key looks upstream first
        except ConnectorError:
            store.forget(identity, key)
            raise
        store.complete(identity, key, result)
        return result, False
