"""What kind of file this is: the bytes first (magic numbers), then the declared MIME type, then the extension.

Trusting the bytes means a PDF named `.docx` is still read as a PDF, and a damaged or mislabelled file gets a
clear error naming the problem instead of a parser's traceback.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from .errors import FileTooLarge, UnreadableFile
from .model import Limits

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

MIME_KINDS: dict[str, str] = {
    "application/pdf": "pdf",
    DOCX_MIME: "docx",
    XLSX_MIME: "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    PPTX_MIME: "pptx",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/json": "json",
    "message/rfc822": "email",
    "application/msword": "legacy",
    "application/vnd.ms-excel": "legacy",
    "application/vnd.ms-powerpoint": "legacy",
}

EXTENSION_KINDS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".pptx": "pptx",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".csv": "csv",
    ".tsv": "tsv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".json": "json",
    ".eml": "email",
    ".doc": "legacy",
    ".xls": "legacy",
    ".ppt": "legacy",
}

LABELS = {
    "pdf": "a PDF",
    "docx": "a Word document (DOCX)",
    "xlsx": "an Excel workbook (XLSX)",
    "pptx": "a PowerPoint presentation (PPTX)",
}
TEXT_KINDS = frozenset({"html", "csv", "tsv", "markdown", "text", "json", "email"})
PACKAGE_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt, and password-protected OOXML


@dataclass(frozen=True)
class Detected:
    kind: str
    note: str | None = None  # set when the content disagrees with the declared type


def base_mime(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def charset_of(mime: str) -> str | None:
    for param in mime.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def declared_kind(mime: str, name: str) -> str | None:
    """The kind the caller's MIME type or, failing that, the file name announces."""
    kind = MIME_KINDS.get(base_mime(mime))
    if kind is None:
        kind = EXTENSION_KINDS.get(posixpath.splitext(name.lower())[1])
    return kind


def detect(data: bytes, *, name: str, mime: str, limits: Limits) -> Detected:
    declared = declared_kind(mime, name)
    sniffed = _sniff(data, name, limits)
    if sniffed is not None:
        note = None
        if declared and declared != sniffed and sniffed in LABELS:
            note = f"{name} is declared as {_label(declared)} but is {LABELS[sniffed]}; it was read as such."
        return Detected(sniffed, note)
    if declared in LABELS:
        raise UnreadableFile(
            f"{name} is declared as {LABELS[declared]} but its content is not one ({_why_not(declared, data)}): "
            "the file is damaged or has the wrong extension. Check the file, or open it at its link."
        )
    if declared == "legacy":
        return Detected("legacy")
    if declared in TEXT_KINDS:
        return Detected(declared)
    return Detected("text" if looks_like_text(data) else "binary")


def looks_like_text(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return head.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 with a byte-order mark
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # a character cut by the 8 KB window is still text
    return True


def _sniff(data: bytes, name: str, limits: Limits) -> str | None:
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return "pdf"
    if b"%PDF-" in data[:1024] and not looks_like_text(data):  # junk before the header, as the spec tolerates
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        return "legacy"
    if data.startswith(IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data[:2] == b"BM" and data[6:10] == b"\x00\x00\x00\x00":  # BMP: "BM" alone also starts words
        return "image"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_package(data, name, limits)
    return None


def _sniff_package(data: bytes, name: str, limits: Limits) -> str | None:
    """An OOXML kind from the ZIP's part names; refuses ZIP bombs by their declared unpacked size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # _why_not explains it if the caller expected an Office file
    names = {entry.filename for entry in entries}
    kind = next((kind for part, kind in PACKAGE_PARTS.items() if part in names), None)
    if kind is None:
        return "archive"
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise FileTooLarge(
            f"{name} unpacks to {unpacked / 1024 / 1024:,.0f} MB, over the {limits.max_unpacked_bytes // 1024 // 1024} "
            "MB limit for reading it as text. Open it at its link, or split it into smaller files."
        )
    return kind


def _why_not(kind: str, data: bytes) -> str:
    if not data:
        return "the file is empty"
    if kind == "pdf":
        return "it does not start with a PDF header"
    if not data.startswith(b"PK\x03\x04"):
        return "it is not a ZIP package"
    return "its ZIP package is truncated or corrupt"


def _label(kind: str) -> str:
    return LABELS.get(kind, kind.upper() if len(kind) <= 4 else kind)
