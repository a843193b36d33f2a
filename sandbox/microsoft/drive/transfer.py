"""File content: 302 to a pre-authenticated download URL, simple PUT upload, resumable upload sessions.

The download and upload URLs point at this sandbox (``/_layouts/15/download.aspx``, ``/_api/v2.0/uploadSession``),
carry their own authorisation, and must be called without the Graph bearer token, as on SharePoint.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..graph import GraphError, Principal, bad_request, error_response
from ..users import by_id
from .access import Context, require_write
from .documents import extract_text, mime_for
from .links import download_url, render_item, sign, verify
from .model import Item, now
from .validate import check_if_match, check_name, conflict_behaviour, json_body

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024  # larger files go through an upload session
CHUNK_MULTIPLE = 320 * 1024
CHUNK_LIMIT = 60 * 1024 * 1024
SESSION_LIFETIME_S = 24 * 3600
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def get_content(ctx: Context, item: Item) -> Response:
    if item.is_folder:
        raise bad_request("A folder has no content; list its children instead.")
    if ctx.request.query_params.get("format"):
        raise GraphError(406, "notSupported", "Format conversion (?format=) is not emulated by the sandbox.")
    return RedirectResponse(download_url(ctx, item), status_code=302)


def _token_sent(request: Request) -> Response | None:
    """SharePoint refuses a Graph token on its pre-authenticated URLs: a client must not forward it there."""
    if "authorization" not in request.headers:
        return None
    return error_response(
        GraphError(
            401,
            "unauthenticated",
            "Do not send an Authorization header to a "
            "pre-authenticated download or upload URL: the URL carries its own credential.",
        )
    )


async def download(request: Request) -> Response:
    """The pre-authenticated URL (no bearer token): serves the bytes, honouring a single ``Range``."""
    if (leak := _token_sent(request)) is not None:
        return leak
    claims = verify(request.query_params.get("tempauth", ""))
    tokens = request.app.state.tokens
    if claims is None or claims["e"] < tokens.now():
        return error_response(
            GraphError(
                401,
                "unauthenticated",
                "The download URL has expired or was altered; get a fresh one from the item or /content.",
            )
        )
    item = request.app.state.drives.item(claims["i"])
    if item is None:
        return error_response(GraphError(404, "itemNotFound", "The item no longer exists."))
    data = item.content
    headers = {
        "Content-Type": item.mime_type or "application/octet-stream",
        "Accept-Ranges": "bytes",
        "ETag": item.etag,
        "Content-Disposition": f'attachment; filename="{item.name}"',
    }
    wanted = re.match(r"^bytes=(\d*)-(\d*)$", request.headers.get("range", ""))
    if wanted and (wanted.group(1) or wanted.group(2)):
        first = int(wanted.group(1)) if wanted.group(1) else max(0, len(data) - int(wanted.group(2)))
        last = int(wanted.group(2)) if wanted.group(1) and wanted.group(2) else len(data) - 1
        last = min(last, len(data) - 1)
        if first > last:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{len(data)}"})
        headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
        return Response(data[first : last + 1], status_code=206, headers=headers)
    return Response(data, headers=headers)


def _write(
    ctx: Context, folder: Item | None, existing: Item | None, name: str, data: bytes, behaviour: str
) -> tuple[Item, int]:
    """Store ``data`` as ``name`` in ``folder`` (or over ``existing``); returns (item, 201 created | 200 replaced)."""
    store = ctx.store
    with store.lock:
        if existing is not None and behaviour != "rename":
            if existing.is_folder:
                raise GraphError(409, "nameAlreadyExists", f"'{existing.name}' is a folder, not a file.")
            if behaviour == "fail":
                raise GraphError(409, "nameAlreadyExists", f"An item named '{existing.name}' already exists.")
            require_write(ctx, existing)
            existing.data, existing.lazy, existing.text = data, None, extract_text(existing.mime_type, data)
            existing.modified = now()
            existing.modified_by = ctx.who.user or existing.modified_by
            store.touch(existing, content=True)
            return existing, 200
        assert folder is not None
        require_write(ctx, folder)
        name = check_name(name)
        if existing is not None:
            name = store.unique_name(folder, name)
        author = ctx.who.user or folder.created_by
        mime_type = mime_for(name)
        item = Item.created_now(
            folder, name, author, is_folder=False, data=data, mime_type=mime_type, text=extract_text(mime_type, data)
        )
        store.touch(folder)  # before the child, so delta lists the parent first
        store.add(item)
        return item, 201


def _target(ctx: Context, item: Item | None, folder: Item | None, missing: str) -> tuple[Item | None, Item | None, str]:
    if item is None and (folder is None or "/" in missing):
        raise GraphError(404, "itemNotFound", "The parent folder does not exist; create it first (POST children).")
    if item is not None and item.is_folder:
        raise bad_request("The target is a folder; PUT content to root:/folder/name:/content to add a file.")
    return item, folder, missing


async def put_content(ctx: Context, item: Item | None, folder: Item | None, missing: str) -> Response:
    item, folder, missing = _target(ctx, item, folder, missing)
    data = await ctx.request.body()
    if len(data) > SIMPLE_UPLOAD_LIMIT:
        raise GraphError(
            413,
            "requestTooLarge",
            f"Simple upload takes at most {SIMPLE_UPLOAD_LIMIT} bytes; use createUploadSession for larger files.",
        )
    if item is not None:
        check_if_match(ctx, item)
    behaviour = ctx.request.query_params.get("@microsoft.graph.conflictBehavior", "replace")
    behaviour = conflict_behaviour(behaviour, "replace")
    parent = folder if item is None else ctx.store.items[item.parent_id or ""]
    written, status = _write(ctx, parent, item, missing or (item.name if item else ""), data, behaviour)
    return JSONResponse(render_item(ctx, written), status_code=status)


# ---------------------------------------------------------------------- upload sessions
@dataclass
class UploadSession:
    id: str
    drive_id: str
    folder_id: str
    name: str
    behaviour: str
    expires: float
    owner_key: str
    received: bytearray = field(default_factory=bytearray)
    total: int | None = None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def create_upload_session(ctx: Context, item: Item | None, folder: Item | None, missing: str) -> Response:
    item, folder, missing = _target(ctx, item, folder, missing)
    body = await json_body(ctx)
    spec: dict[str, Any] = body["item"] if isinstance(body.get("item"), dict) else {}
    behaviour = conflict_behaviour(spec.get("@microsoft.graph.conflictBehavior"), "replace")
    parent = folder if item is None else ctx.store.items[item.parent_id or ""]
    assert parent is not None
    require_write(ctx, item or parent)
    if item is not None and behaviour == "fail":
        raise GraphError(409, "nameAlreadyExists", f"An item named '{item.name}' already exists.")
    sessions: dict[str, UploadSession] = ctx.request.app.state.upload_sessions
    session = UploadSession(
        secrets.token_hex(16),
        parent.drive_id,
        parent.id,
        missing or item.name,  # type: ignore[union-attr]
        behaviour,
        ctx.request.app.state.tokens.now() + SESSION_LIFETIME_S,
        ctx.who.rate_key,
    )
    sessions[session.id] = session
    url = (
        f"{ctx.base}/_api/v2.0/drives/{parent.drive_id}/items/{parent.id}/uploadSession?guid={session.id}"
        f"&tempauth={sign({'s': session.id})}"
    )
    return JSONResponse(
        {
            "@odata.context": f"{ctx.graph_base}/$metadata#microsoft.graph.uploadSession",
            "uploadUrl": url,
            "expirationDateTime": _iso(session.expires),
            "nextExpectedRanges": ["0-"],
        }
    )


def _session_status(session: UploadSession) -> dict[str, Any]:
    return {"expirationDateTime": _iso(session.expires), "nextExpectedRanges": [f"{len(session.received)}-"]}


async def upload_chunk(request: Request) -> Response:
    """PUT a byte range to the session (Content-Range), GET its status, or DELETE it."""
    if (leak := _token_sent(request)) is not None:
        return leak
    claims = verify(request.query_params.get("tempauth", "")) or {}
    sessions: dict[str, UploadSession] = request.app.state.upload_sessions
    session = sessions.get(request.query_params.get("guid", ""))
    if session is None or claims.get("s") != session.id or session.expires < request.app.state.tokens.now():
        return error_response(
            GraphError(404, "itemNotFound", "The upload session does not exist or has expired; create a new one.")
        )
    if request.method == "DELETE":
        sessions.pop(session.id, None)
        return Response(status_code=204)
    if request.method == "GET":
        return JSONResponse(_session_status(session))
    try:
        return await _accept_chunk(request, session)
    except GraphError as exc:
        return error_response(exc)


async def _accept_chunk(request: Request, session: UploadSession) -> Response:
    match = _RANGE.match(request.headers.get("content-range", ""))
    if match is None:
        raise bad_request("Send Content-Range: bytes {first}-{last}/{total} with each fragment.")
    first, last, total = (int(g) for g in match.groups())
    data = await request.body()
    if last < first or len(data) != last - first + 1:
        raise bad_request(f"Content-Range covers {last - first + 1} bytes but the body has {len(data)}.")
    if session.total is not None and total != session.total:
        raise bad_request(f"The total size changed from {session.total} to {total}.")
    if len(data) > CHUNK_LIMIT:
        raise GraphError(413, "requestTooLarge", "A fragment may be at most 60 MiB.")
    if first != len(session.received):
        raise GraphError(
            416,
            "invalidRange",
            f"The fragment starts at {first}, expected {len(session.received)} (see nextExpectedRanges).",
        )
    final = last + 1 == total
    if not final and len(data) % CHUNK_MULTIPLE:
        raise bad_request("Fragments other than the last must be a multiple of 320 KiB (327,680 bytes).")
    session.total = total
    session.received.extend(data)
    if not final:
        return JSONResponse(_session_status(session), status_code=202)
    return _finish(request, session)


def _finish(request: Request, session: UploadSession) -> Response:
    request.app.state.upload_sessions.pop(session.id, None)
    store = request.app.state.drives
    folder = store.item(session.folder_id)
    if folder is None:
        raise GraphError(404, "itemNotFound", "The destination folder was deleted during the upload.")
    ctx = Context(request, store, _session_principal(session))
    existing = store.child_named(folder, session.name)
    item, status = _write(ctx, folder, existing, session.name, bytes(session.received), session.behaviour)
    return JSONResponse(render_item(ctx, item), status_code=status)


def _session_principal(session: UploadSession) -> Principal:
    """The uploader: the session was authorised when it was created, so its completion acts as that caller."""
    user = by_id(session.owner_key)
    return Principal("upload-session", user, frozenset({"Files.ReadWrite.All"}), frozenset({"Files.ReadWrite.All"}))
