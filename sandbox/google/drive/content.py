"""File content: ``alt=media`` downloads (with ``Range``, as MediaIoBaseDownload asks) and ``files.export``."""

from __future__ import annotations

import re

from starlette.responses import Response

from ..errors import GoogleError, invalid_value, required
from . import formats as F
from .context import Ctx
from .model import DOC, SHEET, SLIDES, DriveFile
from .resource import EXPORTS

EXPORT_LIMIT = 10 * 1024 * 1024  # Drive refuses to export more than 10 MB
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def download(ctx: Ctx, f: DriveFile) -> Response:
    if f.is_native:
        raise GoogleError(
            403,
            "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
            "fileNotDownloadable",
            location="alt",
        )
    body = f.content()
    headers = {"Content-Disposition": "attachment", "Accept-Ranges": "bytes"}
    wanted = ctx.request.headers.get("range")
    match = _RANGE.match(wanted.strip()) if wanted else None
    if match and body and (match.group(1) or match.group(2)):
        start_s, end_s = match.groups()
        if start_s:
            start, end = int(start_s), min(int(end_s) if end_s else len(body) - 1, len(body) - 1)
        else:  # suffix range: the last N bytes
            start, end = max(0, len(body) - int(end_s)), len(body) - 1
        if start >= len(body) or start > end:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{len(body)}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        return Response(body[start : end + 1], status_code=206, media_type=f.mime_type, headers=headers)
    return Response(body, media_type=f.mime_type, headers=headers)


def _doc(f: DriveFile, mime: str) -> bytes:
    md = f.doc_markdown or ""
    if mime == "text/plain":
        return ("\ufeff" + F.markdown_to_text(md)).encode()  # Docs' plain-text export starts with a BOM
    if mime == "text/markdown":
        return md.encode()
    if mime == "text/html":
        return F.markdown_to_html(md, f.name).encode()
    if mime == F.DOCX:
        paras = F.markdown_paragraphs(md)
        title = paras[0].lstrip("# ") if paras and paras[0].startswith("# ") else f.name
        rest = [
            ("## " + p.lstrip("# ")) if p.startswith("#") else p
            for p in paras[1 if paras[0:1] and paras[0].startswith("# ") else 0 :]
        ]
        return F.docx(title, rest)
    return F.pdf([F.markdown_to_text(md)], f.name)


def _sheet(f: DriveFile, mime: str) -> bytes:
    sheets = f.sheets or [("Sheet1", [])]
    if mime == F.XLSX:
        return F.xlsx([(title, rows) for title, rows in sheets])
    return F.rows_to_csv(sheets[0][1], "\t" if mime == "text/tab-separated-values" else ",").encode()


def _slides(f: DriveFile, mime: str) -> bytes:
    slides = f.slides or []
    if mime == F.PPTX:
        return F.pptx(slides)
    if mime == F.PDF:
        return F.pdf([f"{title}\n\n{body}" for title, body in slides] or [""], f.name)
    return F.slides_to_text(slides).encode()


_RENDER = {DOC: _doc, SHEET: _sheet, SLIDES: _slides}


def export_bytes(f: DriveFile, mime: str) -> bytes:
    return _RENDER[f.mime_type](f, mime)


async def export(ctx: Ctx) -> Response:
    f = ctx.file(ctx.request.path_params["fileId"])
    mime = ctx.param("mimeType")
    if not mime:
        raise required("mimeType")
    if f.mime_type not in EXPORTS:
        raise GoogleError(403, "Export only supports Docs Editors files.", "fileNotExportable")
    if mime not in EXPORTS[f.mime_type]:
        raise invalid_value("mimeType", "The requested conversion is not supported.")
    body = export_bytes(f, mime)
    if len(body) > EXPORT_LIMIT:
        raise GoogleError(403, "This file is too large to be exported.", "exportSizeLimitExceeded")
    return Response(body, media_type=mime)
