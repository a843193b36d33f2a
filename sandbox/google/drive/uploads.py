"""Media uploads at ``/upload/drive/v3/files``: ``uploadType=media``, ``multipart`` and ``resumable``.

Resumable (developers.google.com/workspace/drive/api/guides/manage-uploads#resumable): the initiating POST
(or PATCH for an update) answers 200 with a ``Location`` session URI; chunks are PUT there with
``Content-Range: bytes a-b/total`` (``*`` when the total is unknown); unfinished uploads answer
``308 Resume Incomplete`` with ``Range: bytes=0-n``; ``Content-Range: bytes */total`` with no body asks
for the status. Uploading to a Google type (metadata ``mimeType`` of a Doc, Sheet or Slides) converts.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import GoogleError, error_response, invalid_value
from . import bodies
from . import formats as F
from .context import Ctx
from .files import apply_update, new_file
from .model import DOC, SHEET, SLIDES, DriveFile
from .resource import GET_DEFAULT, file_json
from .store import DriveStore

_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")
CONVERTIBLE = {
    DOC: {"text/plain", "text/markdown", "text/html", F.DOCX},
    SHEET: {"text/csv", "text/tab-separated-values", F.XLSX},
    SLIDES: {F.PPTX},
}


@dataclass
class UploadSession:
    id: str
    viewer: str
    meta: dict
    mime: str
    total: int | None
    file_id: str | None  # set for an update of an existing file
    query: dict[str, str]
    received: bytearray = field(default_factory=bytearray)
    result: dict | None = None


def _convert(f: DriveFile, target: str, media_mime: str, body: bytes) -> None:
    if media_mime not in CONVERTIBLE[target]:
        raise GoogleError(400, f"Conversion of {media_mime} to {target} is not supported.", "badRequest")
    f.mime_type, f.data = target, None
    if target == DOC:
        text = body.decode("utf-8", "replace")
        f.doc_markdown = (
            F.docx_to_markdown(body)
            if media_mime == F.DOCX
            else F.html_to_markdown(text)
            if media_mime == "text/html"
            else text
        )
        f.text = F.markdown_to_text(f.doc_markdown)
    elif target == SHEET:
        if media_mime == F.XLSX:
            f.sheets = F.xlsx_to_sheets(body)
        else:
            delimiter = "\t" if media_mime == "text/tab-separated-values" else ","
            f.sheets = [
                (
                    "Sheet1",
                    [line.split(delimiter) for line in body.decode().splitlines()]
                    if delimiter == "\t"
                    else F.csv_to_rows(body.decode("utf-8", "replace")),
                )
            ]
        f.text = "\n".join(",".join(r) for _, rows in f.sheets for r in rows)
    else:
        f.slides = F.pptx_to_slides(body)
        f.text = F.slides_to_text(f.slides)


def _fill(f: DriveFile, target: str | None, media_mime: str, body: bytes) -> None:
    if target in CONVERTIBLE and (not f.is_native or target == f.mime_type) and media_mime != target:
        _convert(f, target, media_mime, body)
        return
    if f.is_native:
        if f.mime_type in CONVERTIBLE:
            _convert(f, f.mime_type, media_mime, body)
            return
        raise GoogleError(400, "Media cannot be uploaded to a folder.", "badContent")
    f.data, f.lazy_data = body, None
    f.text = F.extract_text(f.mime_type, body)


def store_upload(ctx: Ctx, meta: dict, media_mime: str, body: bytes, file_id: str | None) -> Response:
    """Create (or, with ``file_id``, update) a file from metadata and media; answer the File resource."""
    store = ctx.store
    target = meta.get("mimeType")
    if file_id is None:
        f = new_file(ctx, meta, media_mime)
        if target in CONVERTIBLE:
            f.mime_type = "application/octet-stream"
        _fill(f, target or media_mime, media_mime, body)
        if f.owner:
            f.permissions.append(store.permission_for("user", "owner", f.owner, None, None))
        store.add(f)
    else:
        f = ctx.file(file_id, write=True)
        apply_update(ctx, f, {k: v for k, v in meta.items() if k != "mimeType" or not f.is_native})
        store.mutate(f, lambda: _fill(f, None, media_mime, body), by=ctx.viewer)
    return ctx.respond(file_json(store, f, ctx.viewer, ctx.base_url, content=ctx.content), GET_DEFAULT, "File")


def _multipart(content_type: str, raw: bytes) -> tuple[dict, str, bytes]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/related") or not match:
        raise GoogleError(400, "Bad content type. Please use multipart.", "badContent")
    delimiter = b"--" + match.group(1).encode()
    parts = []
    for chunk in raw.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk[1:] if chunk.startswith(b"\n") else chunk
        if chunk.startswith((b"\r\n", b"\n")):  # a part without headers
            head, body = b"", chunk[2:] if chunk.startswith(b"\r\n") else chunk[1:]
        else:
            head, sep, body = chunk.partition(b"\r\n\r\n")
            if not sep or b"\n\n" in head:
                head, sep, body = chunk.partition(b"\n\n")
        head = re.sub(rb"\r?\n[ \t]+", b" ", head)  # unfold long headers (the email package folds them)
        body = body[:-2] if body.endswith(b"\r\n") else body[:-1] if body.endswith(b"\n") else body
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in head.decode("latin-1").splitlines() if ":" in line)
        }
        parts.append((headers.get("content-type", "application/octet-stream").split(";")[0], body))
    if len(parts) != 2:
        raise GoogleError(400, "Multipart upload must have exactly two parts: metadata and media.", "badContent")
    try:
        meta = json.loads(parts[0][1] or b"{}")
    except ValueError:
        raise GoogleError(400, "Invalid JSON payload received.", "parseError") from None
    if not isinstance(meta, dict):
        raise GoogleError(400, "Invalid JSON payload received. Expected an object.", "parseError")
    bodies.check(meta, "File", "file")
    return meta, parts[1][0], parts[1][1]


def _session_uri(ctx: Ctx, session: UploadSession) -> str:
    path = "/upload/drive/v3/files" + (f"/{session.file_id}" if session.file_id else "")
    extra = "".join(f"&{k}={v}" for k, v in session.query.items() if k in ("supportsAllDrives", "fields"))
    return f"{ctx.base_url}{path}?uploadType=resumable&upload_id={session.id}{extra}"


async def initiate_or_upload(ctx: Ctx) -> Response:
    """POST /upload/drive/v3/files (create) or PATCH /upload/drive/v3/files/{fileId} (update)."""
    kind, file_id = ctx.param("uploadType"), ctx.request.path_params.get("fileId")
    raw = await ctx.request.body()
    content_type = ctx.request.headers.get("content-type", "application/octet-stream")
    if file_id is not None:
        ctx.file(file_id, write=True)
    if kind == "media":
        return store_upload(ctx, {}, content_type.split(";")[0], raw, file_id)
    if kind == "multipart":
        meta, media_mime, body = _multipart(content_type, raw)
        return store_upload(ctx, meta, media_mime, body, file_id)
    if kind != "resumable":
        raise invalid_value("uploadType")
    meta = await ctx.json_body("File")
    total = ctx.request.headers.get("x-upload-content-length")
    session = UploadSession(
        secrets.token_urlsafe(24),
        ctx.viewer,
        meta,
        ctx.request.headers.get("x-upload-content-type") or meta.get("mimeType") or "application/octet-stream",
        int(total) if total else None,
        file_id,
        dict(ctx.request.query_params),
    )
    ctx.store.uploads[session.id] = session
    return Response(
        status_code=200,
        headers={"Location": _session_uri(ctx, session), "X-GUploader-UploadID": session.id, "Content-Length": "0"},
    )


def _incomplete(session: UploadSession) -> Response:
    headers = {"Content-Length": "0"}
    if session.received:
        headers["Range"] = f"bytes=0-{len(session.received) - 1}"
    return Response(status_code=308, headers=headers)


def resumable_put(
    store: DriveStore, build_ctx: Callable[[Request, str], Ctx]
) -> Callable[[Request], Awaitable[Response]]:
    """PUT to a session URI. The upload id is the credential, as at Google (the bearer token is optional)."""

    async def endpoint(request: Request) -> Response:
        try:
            session: UploadSession | None = store.uploads.get(request.query_params.get("upload_id", ""))
            if session is None:
                raise GoogleError(404, "Upload session not found or expired.", "notFound", location="upload_id")
            ctx = build_ctx(request, session.viewer)
            if session.result is not None:
                return JSONResponse(session.result)
            chunk = await request.body()
            header = request.headers.get("content-range")
            match = _CONTENT_RANGE.match(header.strip()) if header else None
            if header and not match:
                raise GoogleError(400, "Failed to parse Content-Range header.", "badContent")
            if match and match.group(3) != "*":
                session.total = int(match.group(3))
            if match and match.group(1) is not None:
                start = int(match.group(1))
                if start > len(session.received):
                    return _incomplete(session)  # a gap: the client must resume from our Range
                session.received[start:] = chunk
            elif not match:
                session.received[:] = chunk
                session.total = len(chunk)
            if session.total is None or len(session.received) < session.total:
                return _incomplete(session)
            answer = store_upload(ctx, session.meta, session.mime, bytes(session.received), session.file_id)
            session.result = json.loads(bytes(answer.body))
            return answer
        except GoogleError as exc:
            return error_response(exc)

    return endpoint
