"""The RFC 822 message a request carries: JSON ``raw`` (base64url), or the media upload forms at ``/upload/...``.

``uploadType=media``: the body is the message (``message/rfc822``). ``uploadType=multipart``: ``multipart/related``
with the JSON metadata (``{"threadId"}``, or a Draft) first and the message second. ``uploadType=resumable``: the
first call (JSON metadata) answers 200 with a ``Location`` session URI (same path, plus ``upload_id``); the message
is PUT there in chunks (``Content-Range: bytes a-b/total``; ``bytes */total`` asks how far it got), answered
``308`` with ``Range: bytes=0-n`` until the last chunk, which runs the method. The upload id is the credential for
the session's owner only, and the method's quota units are spent once, on the first call.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field

from starlette.responses import Response

from ..errors import GoogleError
from . import discovery, mime
from .context import EarlyAnswer, GmailCtx

_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


@dataclass
class UploadSession:
    owner: str
    path: str
    meta: dict
    received: bytearray = field(default_factory=bytearray)


def _resumable(ctx: GmailCtx, schema: str, body: bytes) -> tuple[dict, bytes]:
    sessions: dict[str, UploadSession] = ctx.store.uploads
    upload_id = ctx.param("upload_id")
    if upload_id is None:
        upload_id = secrets.token_urlsafe(32)
        sessions[upload_id] = UploadSession(ctx.user, ctx.request.url.path, _json(body, schema) if body.strip() else {})
        location = f"{ctx.base_url}{ctx.request.url.path}?uploadType=resumable&upload_id={upload_id}"
        raise EarlyAnswer(Response(status_code=200, headers={"Location": location}))
    session = sessions.get(upload_id)
    if session is None or session.owner != ctx.user or session.path != ctx.request.url.path:
        raise GoogleError(404, "No such upload session.", "notFound", location="upload_id")
    match = _CONTENT_RANGE.match(ctx.request.headers.get("content-range", f"bytes 0-{len(body) - 1}/{len(body)}"))
    if match is None:
        raise GoogleError(400, "Invalid Content-Range; expected 'bytes first-last/total'.", "badContent")
    first, total = match.group(1), match.group(3)
    if first is not None:
        if int(first) != len(session.received):
            raise GoogleError(
                400, f"Chunk starts at {first}; the session has {len(session.received)} bytes.", "badContent"
            )
        session.received += body
    if total != "*" and len(session.received) >= int(total):
        del sessions[upload_id]
        return session.meta, bytes(session.received)
    headers = {"Range": f"bytes=0-{len(session.received) - 1}"} if session.received else {}
    raise EarlyAnswer(Response(status_code=308, headers=headers))


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
    if kind == "resumable":
        return _resumable(ctx, schema, body)
    raise GoogleError(
        400,
        f"Upload type '{kind}' is not supported; use media, multipart or resumable.",
        "invalid",
        location="uploadType",
    )
