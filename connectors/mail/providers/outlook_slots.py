"""Exchange's per-mailbox limit, kept on our side: at most 4 requests in flight per mailbox and process."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from shared.errors import TimedOut
from shared.http import MIN_ATTEMPT_SECONDS, current_deadline

# Exchange serves an application at most 4 requests at once per mailbox and answers the 5th 429: requests queue
# here instead, per mailbox and process, whichever client (tool call) of the person sends them. A 429 that still
# comes (another replica) is retried by the policy transport, honouring Retry-After within the call's deadline.
MAILBOX_CONCURRENCY = 4
MAILBOX_PATH = re.compile(r"/users/([^/?]+)")
_slots: dict[tuple[str, str], anyio.CapacityLimiter] = {}


@asynccontextmanager
async def mailbox_slot(key: tuple[str, str], upstream: str) -> AsyncIterator[None]:
    """One of the mailbox's slots for the time of one request (its retries included), waited for within the call's
    deadline."""
    if len(_slots) > 10_000:  # people come and go: forget the idle mailboxes
        for idle in [k for k, v in _slots.items() if not v.borrowed_tokens and not v.statistics().tasks_waiting]:
            del _slots[idle]
    limiter = _slots.get(key) or _slots.setdefault(key, anyio.CapacityLimiter(MAILBOX_CONCURRENCY))
    borrower, deadline = object(), current_deadline()
    patience = None if deadline is None else max(0.0, deadline[0] - time.monotonic() - MIN_ATTEMPT_SECONDS)
    with anyio.move_on_after(patience) as waiting:
        await limiter.acquire_on_behalf_of(borrower)
    if waiting.cancelled_caught and deadline is not None:
        raise TimedOut(upstream, deadline[1])
    try:
        yield
    finally:
        limiter.release_on_behalf_of(borrower)
