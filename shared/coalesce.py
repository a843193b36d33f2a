"""Single flight for reads: identical concurrent read calls by one user share one execution.

When the same person (or several ChatGPT tool calls of one conversation) asks the same read
while it is already running, the later calls wait for the running one and get its answer
instead of spending another upstream request and another rate-limit token. Only calls that
are in flight are shared; nothing is kept afterwards, so this is not a cache and never serves
an answer older than the call.

Read-your-writes: every write by an identity bumps that identity's epoch, before and after it
runs, and the epoch is part of the key. A read that starts after a write has finished can
therefore never join a read that started before the write finished.

Keys always start with the identity: one user's answer is never handed to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import anyio

from . import metrics

T = TypeVar("T")


@dataclass
class _Flight:
    done: anyio.Event = field(default_factory=anyio.Event)
    outcome: tuple[str, Any] | None = None  # ("value", v) or ("error", exc); None if the leader was cancelled
    joined: int = 0


class Flights:
    def __init__(self) -> None:
        self._running: dict[Hashable, _Flight] = {}
        self._epochs: dict[str, int] = {}

    def key(self, identity: str, *parts: Hashable) -> tuple[Hashable, ...]:
        return (identity, self._epochs.get(identity, 0), *parts)

    def wrote(self, identity: str) -> None:
        """Called around every write by `identity`: later reads start their own flights."""
        self._epochs[identity] = self._epochs.get(identity, 0) + 1

    def joined(self, key: Hashable) -> int:
        """How many calls are waiting on the running flight for `key` (for tests and metrics)."""
        flight = self._running.get(key)
        return flight.joined if flight else 0

    async def run(self, key: Hashable, fn: Callable[[], Awaitable[T]], *, label: str = "") -> T:
        while (flight := self._running.get(key)) is not None:
            flight.joined += 1
            await flight.done.wait()
            if flight.outcome is not None:
                metrics.COALESCED.labels(tool=label or "?").inc()
                kind, value = flight.outcome
                if kind == "error":
                    raise value
                return cast(T, value)
            # the leading call was cancelled (its client went away): run again, or join a newer flight
        flight = self._running[key] = _Flight()
        try:
            value = await fn()
            flight.outcome = ("value", value)
            return value
        except Exception as exc:
            flight.outcome = ("error", exc)
            raise
        finally:
            del self._running[key]
            flight.done.set()
