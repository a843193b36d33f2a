"""Redis-backed rate-limit buckets, caches, idempotency records and locks (see shared.state).

Each class subclasses its in-process counterpart and keeps it as the fallback: every Redis call
goes through `RedisLink.run`, which on a connection error or timeout logs one warning per
outage, serves the call from the in-process object, and lets Redis be tried again after
`retry_seconds` (one probe at a time). Socket timeouts are short, so a dead Redis costs at most
one short timeout per retry period, never a failed call.

Keys (all under the configured prefix, `ec:` by default; identities are hashed, never stored):

- `{prefix}bucket:{sha(identity)}:{upstream}`: hash {tokens, ts, paused}, refilled and taken by
  one Lua script using Redis's clock, so every replica draws from the same bucket; a
  `Retry-After` pause is the `paused` field, shared the same way.
- `{prefix}cache:{sha(identity)}:{namespace}:{json(key)}`: JSON value with the cache's TTL.
- `{prefix}idem:{sha(identity)}:{sha(key)}`: JSON {fingerprint, result} with the store's TTL.
- `{prefix}lock:{name}`: `SET NX PX` lease holding a random token; released by compare-and-delete.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio
import redis
from prometheus_client import Counter, Gauge
from redis.backoff import NoBackoff
from redis.retry import Retry

from .cache import FullKey, IdentityCache
from .idempotency import IdempotencyStore, Record
from .ratelimit import BucketRegistry, TokenBucket

log = logging.getLogger("shared.state")
T = TypeVar("T")

BACKEND_UP = Gauge(
    "connector_state_backend_up", "1 while Redis (shared state) answers, 0 while calls fall back to in-process state"
)
FALLBACKS = Counter(
    "connector_state_fallbacks_total", "Operations served in process because Redis was unreachable", ["kind"]
)

# Errors that mean "Redis is not there right now" (refused, reset, timed out, loading, failover).
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ReadOnlyError, OSError)

TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'paused')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
local paused = tonumber(state[3]) or 0
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate) - 1
local wait = 0
if tokens < 0 then wait = -tokens / rate end
if paused - now > wait then wait = paused - now end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', now))
local ttl = math.max(paused - now, (capacity - tokens) / rate) + 1
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000))
return string.format('%.6f', wait)
"""

PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'paused')) or 0
if until_ > current then redis.call('HSET', KEYS[1], 'paused', string.format('%.6f', until_)) end
local want = math.ceil((until_ - now + 1) * 1000)
if redis.call('PTTL', KEYS[1]) < want then redis.call('PEXPIRE', KEYS[1], want) end
return 1
"""

PAUSED_FOR = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused')) or 0
return string.format('%.6f', math.max(0, paused - now))
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def hashed(value: str) -> str:
    """A stable, non-reversible key part for an identity or a caller-supplied key."""
    if not value:
        raise ValueError("shared state keys need a non-empty identity")
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def where(url: str) -> str:
    """The Redis address without credentials, for logs."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"


class RedisLink:
    """One Redis client plus the degrade/recover policy every Redis-backed object shares."""

    def __init__(
        self, url: str, *, timeout: float = 0.2, retry_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic
    ):
        self.url, self.where = url, where(url)
        self.retry_seconds = retry_seconds
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),  # one immediate retry: a pooled connection may be stale
        )
        self.take = self.client.register_script(TAKE)
        self.pause = self.client.register_script(PAUSE)
        self.paused_for = self.client.register_script(PAUSED_FOR)
        self.release = self.client.register_script(RELEASE)
        self._clock = clock
        self._mutex = threading.Lock()
        self._down = False
        self._retry_at = 0.0
        self._warned_at = 0.0
        BACKEND_UP.set(1)

    @property
    def up(self) -> bool:
        return not self._down

    def _may_try(self) -> bool:
        if not self._down:
            return True
        with self._mutex:
            now = self._clock()
            if not self._down or now >= self._retry_at:
                self._retry_at = now + self.retry_seconds  # this caller probes; the others fall back
                return True
            return False

    def _failed(self, exc: BaseException) -> None:
        with self._mutex:
            now = self._clock()
            self._retry_at = now + self.retry_seconds
            first = not self._down
            self._down = True
            if not first and now - self._warned_at < 60:
                return
            self._warned_at = now
        BACKEND_UP.set(0)
        log.warning(
            "shared state: Redis at %s %s (%s: %s); using in-process rate limits, caches and locks, retrying every %gs",
            self.where,
            "unreachable" if first else "still unreachable",
            type(exc).__name__,
            exc,
            self.retry_seconds,
        )

    def _succeeded(self) -> None:
        if not self._down:
            return
        with self._mutex:
            if not self._down:
                return
            self._down = False
        BACKEND_UP.set(1)
        log.warning("shared state: Redis at %s is back; rate limits, caches and locks are shared again", self.where)

    def run(self, kind: str, op: Callable[[redis.Redis], T], fallback: Callable[[], T]) -> T:
        """`op(client)`, or `fallback()` while Redis is unreachable."""
        if self._may_try():
            try:
                result = op(self.client)
            except UNAVAILABLE as exc:
                self._failed(exc)
            else:
                self._succeeded()
                return result
        FALLBACKS.labels(kind=kind).inc()
        return fallback()


# -- rate limits -----------------------------------------------------------------------------------
class RedisBucket(TokenBucket):
    """A token bucket every replica shares; the inherited in-process bucket is the fallback."""

    def __init__(self, link: RedisLink, key: str, rate: float, capacity: float | None = None):
        super().__init__(rate, capacity)
        self._link, self.key = link, key

    def reserve(self) -> float:
        with self._lock:
            self._age_out(self._clock())  # a rate learnt from a 429 (`slow_to`) is this replica's, for a while
        args = [repr(float(self.rate)), repr(float(self.capacity))]
        return self._link.run(
            "bucket",
            lambda r: max(0.0, float(self._link.take(keys=[self.key], args=args, client=r))),
            super().reserve,
        )

    def paused_for(self) -> float:
        return self._link.run(
            "bucket", lambda r: float(self._link.paused_for(keys=[self.key], client=r)), super().paused_for
        )

    def pause(self, seconds: float) -> None:
        super().pause(seconds)  # the fallback learns it too
        self._link.run(
            "bucket", lambda r: self._link.pause(keys=[self.key], args=[repr(float(seconds))], client=r), lambda: None
        )


class RedisBucketRegistry(BucketRegistry):
    def __init__(self, link: RedisLink, prefix: str, rate: float, capacity: float | None = None):
        super().__init__(rate, capacity)
        self._link, self._prefix = link, prefix

    def _new_bucket(self, identity: str, upstream: str, rate: float, capacity: float | None) -> TokenBucket:
        return RedisBucket(self._link, f"{self._prefix}bucket:{hashed(identity)}:{upstream}", rate, capacity)


# -- caches ----------------------------------------------------------------------------------------
def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class RedisCache(IdentityCache):
    """Identity-keyed TTL cache in Redis (JSON values); the inherited in-process cache is the fallback.

    Values that are not JSON stay in this process only.
    """

    def __init__(self, link: RedisLink, prefix: str, ttl_seconds: float = 300, maxsize: int = 4096):
        super().__init__(ttl_seconds=ttl_seconds, maxsize=maxsize)
        self._link, self._prefix = link, prefix
        self._local_mutex = threading.Lock()  # the fallback may be reached from worker threads

    def _local(self, method: Callable[..., T], *args: Any) -> Callable[[], T]:
        def call() -> T:
            with self._local_mutex:
                return method(*args)

        return call

    def _space(self, identity: str, namespace: str) -> str:
        return f"{self._prefix}cache:{hashed(identity)}:{namespace}:"

    def _rkey(self, full_key: FullKey) -> str:
        identity, namespace, key = full_key
        return self._space(identity, namespace) + json.dumps(key, sort_keys=True, default=str, separators=(",", ":"))

    def _get(self, full_key: FullKey) -> tuple[bool, Any]:
        rkey = self._rkey(full_key)

        def op(r: redis.Redis) -> tuple[bool, Any]:
            raw = r.get(rkey)
            if raw is None:
                return False, None
            try:
                return True, json.loads(raw)
            except ValueError:
                return False, None

        return self._link.run("cache", op, self._local(super()._get, full_key))

    def _set(self, full_key: FullKey, value: Any) -> None:
        if self.ttl_seconds <= 0:
            return
        try:
            data = json.dumps(value, separators=(",", ":"))
        except (TypeError, ValueError):
            self._local(super()._set, full_key, value)()
            return
        rkey, ttl_ms = self._rkey(full_key), max(1, int(self.ttl_seconds * 1000))
        self._link.run("cache", lambda r: r.set(rkey, data, px=ttl_ms), self._local(super()._set, full_key, value))

    def _drop(self, identity: str, namespace: str, key: Hashable | None) -> None:
        self._local(super()._drop, identity, namespace, key)()

        def op(r: redis.Redis) -> None:
            if key is not None:
                r.delete(self._rkey((identity, namespace, key)))
                return
            pattern = _glob_escape(self._space(identity, namespace)) + "*"
            batch = []
            for found in r.scan_iter(match=pattern, count=500):
                batch.append(found)
                if len(batch) >= 500:
                    r.delete(*batch)
                    batch.clear()
            if batch:
                r.delete(*batch)

        self._link.run("cache", op, lambda: None)

    async def _aget(self, full_key: FullKey) -> tuple[bool, Any]:
        if not self._link.up:  # no thread hop while serving from process memory
            return self._get(full_key)
        return await anyio.to_thread.run_sync(self._get, full_key)

    async def _aset(self, full_key: FullKey, value: Any) -> None:
        if not self._link.up:
            self._set(full_key, value)
            return
        await anyio.to_thread.run_sync(self._set, full_key, value)


# -- locks -----------------------------------------------------------------------------------------
class RedisLock:
    """An async lock shared by every replica: this process's lock first, then a Redis lease.

    The lease (`SET NX PX`) expires after `ttl_seconds`, so a replica that dies holding it
    blocks the others for at most that long. With Redis unreachable, the process lock alone.
    """

    def __init__(self, link: RedisLink, key: str, local: anyio.Lock, ttl_seconds: float = 30):
        self._link, self.key, self._local = link, key, local
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._token: str | None = None

    async def __aenter__(self) -> RedisLock:
        await self._local.acquire()
        try:
            await self._acquire_lease()
        except BaseException:
            self._local.release()
            raise
        return self

    async def _acquire_lease(self) -> None:
        token, delay = uuid.uuid4().hex, 0.005
        while True:
            got = self._link.run("lock", lambda r: bool(r.set(self.key, token, nx=True, px=self._ttl_ms)), lambda: None)
            if got is None:  # Redis unreachable: this process's lock only
                self._token = None
                return
            if got:
                self._token = token
                return
            await anyio.sleep(delay)  # another replica holds it; its lease bounds the wait
            delay = min(delay * 2, 0.2)

    async def __aexit__(self, *exc_info: object) -> None:
        token, self._token = self._token, None
        try:
            if token is not None:
                self._link.run(
                    "lock", lambda r: self._link.release(keys=[self.key], args=[token], client=r), lambda: None
                )
        finally:
            self._local.release()


# -- idempotency -----------------------------------------------------------------------------------
class RedisIdempotencyStore(IdempotencyStore):
    """Idempotency records in Redis with a TTL, written through to the in-process store (the fallback)."""

    def __init__(self, link: RedisLink, prefix: str, ttl_seconds: float = 24 * 3600, lock_seconds: float = 120):
        super().__init__(ttl_seconds=ttl_seconds)
        self._link, self._prefix, self._lock_seconds = link, prefix, lock_seconds
        self._ttl_ms = max(1, int(ttl_seconds * 1000))

    def _rkey(self, identity: str, key: str) -> str:
        return f"{self._prefix}idem:{hashed(identity)}:{hashed(key)}"

    def lock(self, identity: str, key: str) -> RedisLock:
        local = self._local_lock(identity, key)
        return RedisLock(
            self._link, f"{self._prefix}lock:idem:{hashed(identity)}:{hashed(key)}", local, self._lock_seconds
        )

    def _load(self, identity: str, key: str) -> Record | None:
        rkey = self._rkey(identity, key)

        def op(r: redis.Redis) -> Record | None:
            raw = r.get(rkey)
            if raw is None:
                return None
            data = json.loads(raw)
            return Record(data["fingerprint"], data.get("result"))

        return self._link.run("idempotency", op, functools.partial(super()._load, identity, key))

    def _write(self, identity: str, key: str, record: Record) -> None:
        try:
            data = json.dumps({"fingerprint": record.fingerprint, "result": record.result})
        except (TypeError, ValueError):
            log.warning("idempotency result is not JSON; kept in this process only")
            return
        rkey = self._rkey(identity, key)
        self._link.run("idempotency", lambda r: r.set(rkey, data, px=self._ttl_ms), lambda: None)

    def begin(self, identity: str, key: str, request_fingerprint: str) -> None:
        super().begin(identity, key, request_fingerprint)
        self._write(identity, key, Record(request_fingerprint))

    def complete(self, identity: str, key: str, result: Any) -> None:
        local = super()._load(identity, key)
        super().complete(identity, key, result)
        shared = self._load(identity, key)
        known = shared or local
        if known is not None:
            self._write(identity, key, Record(known.fingerprint, result))

    def forget(self, identity: str, key: str) -> None:
        super().forget(identity, key)
        rkey = self._rkey(identity, key)
        self._link.run("idempotency", lambda r: r.delete(rkey), lambda: None)


# -- the factory -----------------------------------------------------------------------------------
class RedisState:
    """Shared state for several replicas (see shared.state); every object falls back to in process."""

    backend = "redis"

    def __init__(self, url: str, *, prefix: str = "ec:", timeout: float = 0.2, retry_seconds: float = 5.0):
        self.prefix = prefix
        self.link = RedisLink(url, timeout=timeout, retry_seconds=retry_seconds)
        self._locks: dict[str, anyio.Lock] = {}
        if self.healthy():
            log.info("shared state: Redis at %s (key prefix %s)", self.link.where, prefix)

    def buckets(self, rate: float, capacity: float | None = None) -> RedisBucketRegistry:
        return RedisBucketRegistry(self.link, self.prefix, rate, capacity)

    def cache(self, ttl_seconds: float = 300) -> RedisCache:
        return RedisCache(self.link, self.prefix, ttl_seconds=ttl_seconds)

    def idempotency(self, ttl_seconds: float = 24 * 3600) -> RedisIdempotencyStore:
        return RedisIdempotencyStore(self.link, self.prefix, ttl_seconds=ttl_seconds)

    def lock(self, name: str, ttl_seconds: float = 30) -> RedisLock:
        return RedisLock(
            self.link, f"{self.prefix}lock:{name}", self._locks.setdefault(name, anyio.Lock()), ttl_seconds
        )

    def secret(self, name: str) -> bytes:
        """A random secret every replica shares (made by the first, kept in Redis), e.g. the cursor key."""
        mine = secrets.token_bytes(32)
        key = f"{self.prefix}secret:{name}"

        def op(r: redis.Redis) -> bytes:
            r.set(key, mine, nx=True)
            shared = r.get(key)
            return shared if isinstance(shared, bytes) and shared else mine

        return self.link.run("secret", op, lambda: mine)

    def describe(self) -> str:
        return f"Redis at {self.link.where} (key prefix {self.prefix})"

    def healthy(self) -> bool:
        return self.link.run("ping", lambda r: bool(r.ping()), lambda: False)

    def close(self) -> None:
        self.link.client.close()
