"""Pre-authenticated URLs (download, upload session) signed by the sandbox, and driveItem rendering with them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from .access import Context
from .model import Item
from .render import item_json

DOWNLOAD_URL_LIFETIME_S = 3600
_SECRET = secrets.token_bytes(32)


def sign(payload: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    mac = hmac.new(_SECRET, raw.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{raw}.{mac}"


def verify(token: str) -> dict[str, Any] | None:
    raw, _, mac = token.partition(".")
    if not hmac.compare_digest(hmac.new(_SECRET, raw.encode(), hashlib.sha256).hexdigest()[:32], mac):
        return None
    claims = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return claims if isinstance(claims, dict) else None


def download_url(ctx: Context, item: Item) -> str:
    expires = int(ctx.request.app.state.tokens.now()) + DOWNLOAD_URL_LIFETIME_S
    token = sign({"i": item.id, "e": expires})
    return f"{ctx.base}/_layouts/15/download.aspx?UniqueId={item.guid}&tempauth={token}"


def render_item(ctx: Context, item: Item, *, for_delta: bool = False) -> dict[str, Any]:
    url = None if item.is_folder or item.deleted else download_url(ctx, item)
    return item_json(ctx.store, item, base=ctx.base, download_url=url, for_delta=for_delta)
