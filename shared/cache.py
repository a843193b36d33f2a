"""TTL caches for slow-changing lookups (fields, users, boards, sprints, projects).

Every entry is keyed by the caller's identity first: one user's view of the upstream is
never served to another user, even for data that looks global (permissions differ).
Concurrent misses on one key share a single load (single flight, per process).

`IdentityCache` keeps entries in process (cachetools); `shared.state` hands out a Redis-backed
subclass when replicas share warm caches. Subclasses override the storage hooks only
(`_get`/`_set`/`_drop`, and `_aget`/`_aset` for the async path).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

import anyio
from cachetools import TTLCache

from . import metrics

T = TypeVar("T")
FullKey = tuple[str, str, Hashable]


class IdentityCache:
    def __init__(self, ttl_seconds: float = 300, maxsize: int = 4096):
        self.ttl_seconds = ttl_seconds
        self._entries: TTLCache[FullKey, Any] = TTLCache(maxsize=maxsize, ttl=ttl_seconds)
        self._loading: dict[Hashable, anyio.Event] = {}

    async def get_or_load(self, identity: str, namespace: str, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        full_key = (identity, namespace, key)
        while True:
            found, value = await self._aget(full_key)
            if found:
                metrics.CACHE.labels(namespace=namespace, result="hit").inc()
                return cast(T, value)
            pending = self._loading.get(full_key)
            if pending is None:
                break
            await pending.wait()
        metrics.CACHE.labels(namespace=namespace, result="miss").inc()
        done = self._loading[full_key] = anyio.Event()
        try:
            value = await load()
            await self._aset(full_key, value)
            return value
        finally:
            del self._loading[full_key]
            done.set()

    def put(self, identity: str, namespace: str, key: Hashable, value: Any) -> None:
        self._set((identity, namespace, key), value)

    def peek(self, identity: str, namespace: str, key: Hashable) -> Any | None:
        found, value = self._get((identity, namespace, key))
        return value if found else None

    def invalidate(self, identity: str, namespace: str, key: Hashable | None = None) -> None:
        self._drop(identity, namespace, key)

    # -- storage hooks (in process) --------------------------------------------------------------
    def _get(self, full_key: FullKey) -> tuple[bool, Any]:
        try:
            return True, self._entries[full_key]
        except KeyError:
            return False, None

    def _set(self, full_key: FullKey, value: Any) -> None:
        self._entries[full_key] = value

    def _drop(self, identity: str, namespace: str, key: Hashable | None) -> None:
        for full_key in list(self._entries.keys()):
            if full_key[:2] == (identity, namespace) and (key is None or full_key[2] == key):
                self._entries.pop(full_key, None)

    async def _aget(self, full_key: FullKey) -> tuple[bool, Any]:
        return self._get(full_key)

    async def _aset(self, full_key: FullKey, value: Any) -> None:
        self._set(full_key, value)
