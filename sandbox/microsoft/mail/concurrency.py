"""Exchange's per-mailbox concurrency limit: an application may run 4 requests at once against one mailbox.

An ASGI layer outside the rest of the app (so it counts the whole request, injected latency included, and its
429 keeps Graph's ``ApplicationThrottled`` body): the 5th concurrent request for the same application and mailbox
answers 429 "Application is over its MailboxConcurrency limit." with ``Retry-After``. Like Graph's other limits it
reads the token without verifying it. ``handling_ms`` (control API) makes each mail request hold its slot longer.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.types import Receive, Scope, Send

from ..graph import app_key_from_header, error_body, rate_key_from_header
from ..users import by_id
from .model import MailStore

_MAIL_PATH = re.compile(r"^/v1\.0/(?:me|users/([^/]+))/(?:mailFolders|messages|sendMail|microsoft\.graph\.sendMail)")
RETRY_AFTER_S = 1


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
            await _throttled(send)
            return
        store.in_flight[slot] = store.in_flight.get(slot, 0) + 1
        try:
            if store.settings.handling_ms:
                await asyncio.sleep(store.settings.handling_ms / 1000)
            await self.inner(scope, receive, send)
        finally:
            store.in_flight[slot] -= 1


async def _throttled(send: Send) -> None:
    body = json.dumps(error_body("ApplicationThrottled", "Application is over its MailboxConcurrency limit.")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
