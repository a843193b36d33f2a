"""Where shared state lives: in process (default) or in Redis (several replicas).

A connector asks this factory, once, for its rate-limit buckets, caches, idempotency store and
named locks; it never knows which backend answered. The choice is made from the environment:

- `REDIS_URL` unset or empty: everything stays in process (`LocalState`).
- `REDIS_URL=redis://host:6379/0`: buckets, caches, idempotency records and locks live in Redis
  (`shared.redis_state.RedisState`), so N replicas respect one combined upstream limit and share
  warm caches. If Redis goes away, every operation falls back to the in-process object with one
  warning and Redis is tried again after `REDIS_RETRY_SECONDS`; no call fails because of it.

Other knobs: `REDIS_KEY_PREFIX` (default `ec:`; every key starts with it),
`REDIS_TIMEOUT_SECONDS` (socket timeouts, default 0.2 so a dead Redis never stalls a call),
`REDIS_RETRY_SECONDS` (default 5).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import anyio

from .cache import IdentityCache
from .errors import ConfigError
from .idempotency import IdempotencyStore
from .ratelimit import BucketRegistry

DEFAULT_PREFIX = "ec:"
_PROCESS_SECRETS: dict[str, bytes] = {}


class State(Protocol):
    backend: str  # "memory" or "redis"

    def buckets(self, rate: float, capacity: float | None = None) -> BucketRegistry: ...

    def cache(self, ttl_seconds: float = 300) -> IdentityCache: ...

    def idempotency(self, ttl_seconds: float = 24 * 3600) -> IdempotencyStore: ...

    def lock(self, name: str, ttl_seconds: float = 30) -> AbstractAsyncContextManager[Any]: ...

    def secret(self, name: str) -> bytes: ...  # a random secret shared by every replica

    def describe(self) -> str: ...

    def healthy(self) -> bool: ...


class LocalState:
    """Everything in this process: right for one replica, and the fallback of RedisState."""

    backend = "memory"

    def __init__(self) -> None:
        self._locks: dict[str, anyio.Lock] = {}

    def buckets(self, rate: float, capacity: float | None = None) -> BucketRegistry:
        return BucketRegistry(rate, capacity)

    def cache(self, ttl_seconds: float = 300) -> IdentityCache:
        return IdentityCache(ttl_seconds=ttl_seconds)

    def idempotency(self, ttl_seconds: float = 24 * 3600) -> IdempotencyStore:
        return IdempotencyStore(ttl_seconds=ttl_seconds)

    def lock(self, name: str, ttl_seconds: float = 30) -> anyio.Lock:
        return self._locks.setdefault(name, anyio.Lock())

    def secret(self, name: str) -> bytes:
        return _PROCESS_SECRETS.setdefault(name, secrets.token_bytes(32))  # one per process, whatever the runtime

    def describe(self) -> str:
        return "in process"

    def healthy(self) -> bool:
        return True


def from_env(environ: Mapping[str, str] | None = None) -> State:
    """The backend the environment asks for (read once, when a runtime is built)."""
    env = os.environ if environ is None else environ
    url = env.get("REDIS_URL", "").strip()
    if not url:
        return LocalState()
    from .redis_state import RedisState  # only a scaled-out deployment needs the client loaded

    timeout, retry_seconds = _seconds(env, "REDIS_TIMEOUT_SECONDS", 0.2), _seconds(env, "REDIS_RETRY_SECONDS", 5.0)
    try:
        return RedisState(
            url,
            prefix=env.get("REDIS_KEY_PREFIX", DEFAULT_PREFIX) or DEFAULT_PREFIX,
            timeout=timeout,
            retry_seconds=retry_seconds,
        )
    except ValueError as exc:  # redis-py's URL parser: a malformed REDIS_URL
        raise ConfigError(
            f"Configuration error: REDIS_URL is invalid ({exc}); expected e.g. redis://redis:6379/0"
        ) from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigError(f"Configuration error: {name} is invalid: expected a positive number of seconds, got {raw!r}")
    return value
