"""Exchange's per-mailbox limits for an application: 4 requests at once, 10,000 requests per 10 minutes.

An ASGI layer outside the rest of the app (so it counts the whole request, injected latency included, and its
429 keeps Graph's ``ApplicationThrottled`` body): the 5th concurrent request for the same application and mailbox
answers 429 "Application is over its MailboxConcurrency limit." with ``Retry-After``; past the 10-minute budget
(``requests_per_10_minutes``, control API) the answer is 429 too, with ``Retry-After`` until the oldest request
leaves the window. Like Graph's other limits it reads the token without verifying it. ``handling_ms`` (control
API) makes each mail request hold its slot longer.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import deque
from typing import Any

from starlette.types import Receive, Scope, Send

from ..graph import app_key_from_header, error_body, rate_key_from_header
from ..users import by_id
from .model import MailStore

_MAIL_PATH = re.compile(r"^/v1\.0/(?:me|users/([^/]+))/(?:mailFolders|messages|sendMail|microsoft\.graph\.sendMail)")
RETRY_AFTER_S = 1
WINDOW_S = 600


def mailbox_key(scope: Scope, header: str, store: MailStore) -> str | None:
    """The mailbox a mail request is for (lower-case address), or None when the path is not about mail."""
    match = _MAIL_PATH.match(scope.get("path", ""))
    if match is None:
        return None
    key = match.group(1)
    if key is None:
        user = by_id(rate_key_from_header(header))
        key = user.mail if user else "me"
    box = store.lookup(key)
    return box.address.lower() if box else key.lower()


class MailboxConcurrency:
    def __init__(self, inner: Any, app: Any) -> None:
        self.inner, self.app = inner, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        store: MailStore = self.app.state.mail
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        mailbox = mailbox_key(scope, header, store)
        if mailbox is None:
            await self.inner(scope, receive, send)
            return
        slot = (app_key_from_header(header), mailbox)
        if store.in_flight.get(slot, 0) >= store.settings.concurrency:
            await _throttled(send, "Application is over its MailboxConcurrency limit.", RETRY_AFTER_S)
            return
        wait = _spend(store, slot)
        if wait:
            message = (
                f"Application is over its limit of {store.settings.requests_per_10_minutes} requests "
                "per 10 minutes for this mailbox."
            )
            await _throttled(send, message, wait)
            return
        store.in_flight[slot] = store.in_flight.get(slot, 0) + 1
        try:
            if store.settings.handling_ms:
                await asyncio.sleep(store.settings.handling_ms / 1000)
            await self.inner(scope, receive, send)
        finally:
            store.in_flight[slot] -= 1


def _spend(store: MailStore, slot: tuple[str, str]) -> int:
    """Count a request against the 10-minute budget; the seconds to wait when it is spent (throttled ones count)."""
    now = time.monotonic()
    recent = store.recent_requests.setdefault(slot, deque())
    while recent and recent[0] <= now - WINDOW_S:
        recent.popleft()
    recent.append(now)
    limit = store.settings.requests_per_10_minutes
    if len(recent) <= limit:
        return 0
    return max(1, math.ceil(recent[-limit - 1] + WINDOW_S - now))


async def _throttled(send: Send, message: str, retry_after: int) -> None:
    body = json.dumps(error_body("ApplicationThrottled", message)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
