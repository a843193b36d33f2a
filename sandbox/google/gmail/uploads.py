"""The RFC 822 message a request carries: JSON ``raw`` (base64url), or the media upload forms at ``/upload/...``.

``uploadType=media``: the body is the message (``message/rfc822``). ``uploadType=multipart``: ``multipart/related``
with the JSON metadata (``{"threadId"}``, or a Draft) first and the message second.
"""

from __future__ import annotations

import json
import re

from ..errors import GoogleError
from . import discovery, mime
from .context import GmailCtx


def _split_related(content_type: str, raw: bytes) -> list[tuple[str, bytes]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/related") or not match:
        raise GoogleError(400, "Bad content type. Please use multipart.", "badContent")
    parts = []
    for chunk in raw.split(b"--" + match.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk[1:] if chunk.startswith(b"\n") else chunk
        if chunk.startswith((b"\r\n", b"\n")):  # a part without headers
            head, body = b"", chunk.lstrip(b"\r")[1:]
        else:
            head, sep, body = chunk.partition(b"\r\n\r\n")
            if not sep or b"\n\n" in head:
                head, sep, body = chunk.partition(b"\n\n")
        body = body[:-2] if body.endswith(b"\r\n") else body[:-1] if body.endswith(b"\n") else body
        kind = re.search(rb"(?im)^content-type:\s*([^;\r\n]+)", head)
        parts.append((kind.group(1).decode().strip() if kind else "application/octet-stream", body))
    if len(parts) != 2:
        raise GoogleError(400, "Multipart upload must have exactly two parts: metadata and media.", "badContent")
    return parts


def _json(raw: bytes, schema: str) -> dict:
    try:
        meta = json.loads(raw or b"{}")
    except ValueError:
        raise GoogleError(400, "Invalid JSON payload received.", "parseError") from None
    if not isinstance(meta, dict):
        raise GoogleError(400, "Invalid JSON payload received. Expected an object.", "parseError")
    discovery.check(meta, schema, schema[0].lower() + schema[1:])
    return meta


async def message_input(ctx: GmailCtx, schema: str) -> tuple[dict, bytes | None]:
    """(the JSON resource sent, the message bytes) for a ``Message`` or ``Draft`` request body.

    For a Draft the bytes come from ``message.raw`` (JSON) or the upload. ``None`` when no message was sent.
    """
    upload = ctx.request.url.path.startswith("/upload/")
    body = await ctx.request.body()
    if not upload:
        meta = _json(body, schema) if body.strip() else {}
        holder = (meta.get("message") or {}) if schema == "Draft" else meta
        raw = holder.get("raw")
        return meta, mime.from_b64url(raw) if isinstance(raw, str) and raw else None
    kind = ctx.param("uploadType", "media")
    content_type = ctx.request.headers.get("content-type", "")
    if kind == "media":
        if not content_type.startswith("message/"):
            raise GoogleError(
                400, f"Media type '{content_type}' is not supported. Valid media types: [message/*]", "badContent"
            )
        return {}, body
    if kind == "multipart":
        (_, meta_bytes), (media_type, media) = _split_related(content_type, body)
        if not media_type.startswith("message/"):
            raise GoogleError(
                400, f"Media type '{media_type}' is not supported. Valid media types: [message/*]", "badContent"
            )
        return _json(meta_bytes, schema), media
    raise GoogleError(
        400, f"Upload type '{kind}' is not supported here; use media or multipart.", "invalid", location="uploadType"
    )
