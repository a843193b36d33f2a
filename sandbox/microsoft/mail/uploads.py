"""Large attachments (learn.microsoft.com/graph/outlook-large-attachments): an upload session on a message, then
``PUT`` byte ranges to its pre-authenticated ``uploadUrl``.

``POST …/messages/{id}/attachments/createUploadSession {"AttachmentItem": {"attachmentType": "file", "name",
"size", "contentType"?}}`` answers 201 ``{"uploadUrl", "expirationDateTime", "nextExpectedRanges": ["0"]}``.
Each ``PUT`` carries ``Content-Range: bytes {start}-{end}/{size}`` (at most 4 MB, starting where the last ended)
and no ``Authorization`` header (401 otherwise): 200 with the next start, and the last one 201 with a ``Location``
naming the new attachment. ``DELETE`` on the URL cancels. Sizes up to 150 MB.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..graph import GraphError, bad_request, error_response
from .model import Attachment, Mailbox, MailStore, Message, new_id
from .render import stamp

MAX_SIZE = 150 * 1024 * 1024
MAX_CHUNK = 4 * 1024 * 1024
LIFETIME = timedelta(hours=1)
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


@dataclass
class UploadSession:
    id: str
    token: str
    mailbox: str
    message_id: str
    name: str
    size: int
    content_type: str
    expires: datetime
    data: bytearray = field(default_factory=bytearray)


def create(request: Request, store: MailStore, box: Mailbox, message: Message, body: dict[str, Any]) -> Response:
    item = body.get("AttachmentItem") or body.get("attachmentItem")
    if not isinstance(item, dict):
        raise bad_request('Send {"AttachmentItem": {"attachmentType": "file", "name": "...", "size": n}}.')
    name, size = item.get("name"), item.get("size")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("AttachmentItem.name is required.")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise bad_request("AttachmentItem.size must be the file's size in bytes.")
    if size > MAX_SIZE:
        raise GraphError(400, "ErrorAttachmentSizeLimitExceeded", "Attachments are limited to 150 MB.")
    kind = item.get("contentType") if isinstance(item.get("contentType"), str) else "application/octet-stream"
    session = UploadSession(
        new_id("AAMkAGupl"),
        secrets.token_urlsafe(24),
        box.address,
        message.id,
        name,
        size,
        str(kind),
        datetime.now(UTC) + LIFETIME,
    )
    store.upload_sessions[session.id] = session
    base = str(request.base_url).rstrip("/")
    url = (
        f"{base}/api/v2.0/Users('{box.owner_id}')/Messages('{message.id}')/AttachmentSessions('{session.id}')"
        f"?authtoken={session.token}"
    )
    body_out = {
        "@odata.context": f"{base}/v1.0/$metadata#microsoft.graph.uploadSession",
        "uploadUrl": url,
        "expirationDateTime": stamp(session.expires),
        "nextExpectedRanges": ["0"],
    }
    return JSONResponse(body_out, status_code=201)


async def upload_chunk(request: Request) -> Response:
    try:
        return await _chunk(request)
    except GraphError as exc:
        return error_response(exc)


async def _chunk(request: Request) -> Response:
    if "authorization" in request.headers:
        raise GraphError(401, "InvalidAuthenticationToken", "Do not send an Authorization header to the uploadUrl.")
    store: MailStore = request.app.state.mail
    session = store.upload_sessions.get(request.path_params["session"])
    if session is None or session.expires < datetime.now(UTC):
        raise GraphError(404, "ErrorItemNotFound", "The upload session does not exist or has expired.")
    if not secrets.compare_digest(request.query_params.get("authtoken", ""), session.token):
        raise GraphError(401, "InvalidAuthenticationToken", "The authtoken of this upload URL is not valid.")
    if request.method == "DELETE":
        del store.upload_sessions[session.id]
        return Response(status_code=204)
    match = _RANGE.match(request.headers.get("content-range", ""))
    if match is None:
        raise bad_request("Each PUT needs Content-Range: bytes {start}-{end}/{size}.")
    start, end, total = (int(g) for g in match.groups())
    chunk = await request.body()
    if total != session.size or end < start or len(chunk) != end - start + 1:
        raise bad_request(f"Content-Range must describe this chunk of a {session.size}-byte file.")
    if len(chunk) > MAX_CHUNK:
        raise GraphError(413, "ErrorRequestEntityTooLarge", "Upload at most 4 MB per PUT.")
    if start != len(session.data):
        raise GraphError(416, "ErrorInvalidRange", f"The next expected range starts at {len(session.data)}.")
    session.data.extend(chunk)
    if len(session.data) < session.size:
        return JSONResponse(
            {"expirationDateTime": stamp(session.expires), "nextExpectedRanges": [str(len(session.data))]}
        )
    return _finish(request, store, session)


def _finish(request: Request, store: MailStore, session: UploadSession) -> Response:
    del store.upload_sessions[session.id]
    box = store.lookup(session.mailbox)
    message = box.messages.get(session.message_id) if box else None
    if box is None or message is None:
        raise GraphError(404, "ErrorItemNotFound", "The message of this upload session no longer exists.")
    now = datetime.now(UTC)
    attachment = Attachment(new_id("AAMkAGatt"), session.name, session.content_type, bytes(session.data), now)
    message.attachments.append(attachment)
    box.touch(message)
    location = (
        f"{str(request.base_url).rstrip('/')}/v1.0/users/{box.owner_id}/messages/{message.id}"
        f"/attachments/{attachment.id}"
    )
    return Response(status_code=201, headers={"Location": location})


def public_routes() -> list[Route]:
    path = "/api/v2.0/Users('{owner}')/Messages('{message}')/AttachmentSessions('{session}')"
    return [Route(path, upload_chunk, methods=["PUT", "DELETE"])]
