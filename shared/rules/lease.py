"""One runner at a time across replicas: a lease in Redis when REDIS_URL is set, else in the database.

The lease has an expiry, so a runner that dies releases it by itself; a live runner renews it by
taking it again. Both backends are compare-and-set: only the holder renews or releases.
"""

from __future__ import annotations

from typing import Protocol

import anyio

from ..auth.db import Tx
from .store import RuleStore

RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
RENEW = (
    "local v = redis.call('get', KEYS[1]) "
    "if v == false then return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 or 0 end "
    "if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end return 0"
)


class Lease(Protocol):
    async def take(self, name: str, holder: str, seconds: float, now: float) -> bool: ...

    async def release(self, name: str, holder: str) -> None: ...


class DatabaseLease:
    """The lease as a row of `rule_leases`: right for one database shared by every replica."""

    def __init__(self, store: RuleStore):
        self.db = store.db

    async def take(self, name: str, holder: str, seconds: float, now: float) -> bool:
        """Hold `name` for `seconds` from `now` unless another holder's lease is still running then."""

        def work(tx: Tx) -> bool:
            tx.exec(
                "INSERT INTO rule_leases (name, holder, expires_at) VALUES (?, ?, 0) ON CONFLICT DO NOTHING",
                (name, holder),
            )
            return (
                tx.exec(
                    "UPDATE rule_leases SET holder = ?, expires_at = ? "
                    "WHERE name = ? AND (holder = ? OR expires_at < ?)",
                    (holder, now + seconds, name, holder, now),
                )
                > 0
            )

        return await self.db.run(work)

    async def release(self, name: str, holder: str) -> None:
        await self.db.run(
            lambda tx: tx.exec("UPDATE rule_leases SET expires_at = 0 WHERE name = ? AND holder = ?", (name, holder))
        )


class RedisLease:
    """SET NX PX with the holder as value; renew and release only by the holder (Lua compare-and-set)."""

    def __init__(self, url: str, prefix: str = "ec:"):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    async def take(self, name: str, holder: str, seconds: float, now: float) -> bool:
        """Redis keeps the time itself (PX): `now` is for the database lease only."""
        key, ms = f"{self.prefix}lease:{name}", int(seconds * 1000)
        return bool(await anyio.to_thread.run_sync(lambda: self.redis.eval(RENEW, 1, key, holder, ms)))

    async def release(self, name: str, holder: str) -> None:
        key = f"{self.prefix}lease:{name}"
        await anyio.to_thread.run_sync(lambda: self.redis.eval(RELEASE, 1, key, holder))
