"""TTL caches for slow-changing lookups (fields, users, boards, sprints, projects).

Every entry is keyed by the caller's identity first: one user's view of the upstream is
never served to another user, even for data that looks global (permissions differ).
Concurrent misses on one key share a single load (single flight).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

import anyio
from cachetools import TTLCache

from . import metrics

T = TypeVar("T")


class IdentityCache:
    def __init__(self, ttl_seconds: float = 300, maxsize: int = 4096):
        self._entries: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl_seconds)
        self._loading: dict[Hashable, anyio.Event] = {}

    async def get_or_load(self, identity: str, namespace: str, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        full_key = (identity, namespace, key)
        while True:
            if full_key in self._entries:
                metrics.CACHE.labels(namespace=namespace, result="hit").inc()
                return self._entries[full_key]
            pending = self._loading.get(full_key)
            if pending is None:
                break
            await pending.wait()
        metrics.CACHE.labels(namespace=namespace, result="miss").inc()
        done = self._loading[full_key] = anyio.Event()
        try:
            value = await load()
            self._entries[full_key] = value
            return value
        finally:
            del self._loading[full_key]
            done.set()

    def put(self, identity: str, namespace: str, key: Hashable, value: Any) -> None:
        self._entries[(identity, namespace, key)] = value

    def peek(self, identity: str, namespace: str, key: Hashable) -> Any | None:
        return self._entries.get((identity, namespace, key))

    def invalidate(self, identity: str, namespace: str, key: Hashable | None = None) -> None:
        for full_key in list(self._entries.keys()):
            if full_key[:2] == (identity, namespace) and (key is None or full_key[2] == key):
                self._entries.pop(full_key, None)
