"""PDF to text with pypdf, page by page, each page behind a `--- page N of M ---` marker so a clause can be cited.

Pages without a text layer (scans) are named; a PDF with no text at all says it is probably scanned, since no OCR
runs here. Extraction stops once the document's character cap is reached, and the note says which pages are left.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from .errors import UnreadableFile
from .model import Converted, Limits, Source

logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged-but-readable files warn on every page


def page_marker(number: int, count: int) -> str:
    return f"--- page {number} of {count} ---"


def convert_pdf(data: bytes, source: Source, limits: Limits) -> Converted:
    reader = _open(data, source.name)
    count = len(reader.pages)
    if count == 0:
        return Converted(f"_{source.name} has no pages._\n", [f"{source.name} has no pages."])
    parts: list[str] = []
    blank: list[int] = []
    notes: list[str] = []
    size = 0
    for number in range(1, count + 1):
        text = _page_text(reader, number, notes, source.name)
        if not text:
            blank.append(number)
            text = "[no text on this page: it is probably a scanned image]"
        part = f"{page_marker(number, count)}\n{text}\n\n"  # one break after the marker: pages split before it
        if parts and size + len(part) > limits.max_chars:  # whole pages only, so every marker keeps its page
            left = f"page {count}" if number == count else f"pages {number}-{count}"
            notes.append(
                f"{source.name}: text extraction stopped after page {number - 1} of {count} (the "
                f"{limits.max_chars:,}-character limit); {left} are not included."
            )
            parts.append(f"[{left} not converted: the document is over the size limit]\n")
            break
        parts.append(part)
        size += len(part)
    if len(blank) == count:
        return Converted(_scanned_message(source, count), [f"{source.name} has no text layer (probably scanned)."])
    if blank:
        notes.append(f"{source.name}: {len(blank)} page(s) have no text layer (probably scanned): {_ranges(blank)}.")
    return Converted("".join(parts).rstrip() + "\n", notes)


def _open(data: bytes, name: str) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("password required")
        len(reader.pages)  # reads the page tree: a truncated file fails here, not halfway through
    except FileNotDecryptedError:
        raise UnreadableFile(f"{name} is a password-protected PDF: it cannot be read as text here.") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise UnreadableFile(
            f"{name} could not be read as a PDF: the file is damaged or truncated ({_short(error)})."
        ) from None
    return reader


def _page_text(reader: PdfReader, number: int, notes: list[str], name: str) -> str:
    """One page's text; a damaged page is named in the notes and skipped, the rest of the file still reads."""
    try:
        return (reader.pages[number - 1].extract_text() or "").strip()
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on damaged content streams
        notes.append(f"{name}: page {number} could not be read ({_short(error)}).")
        return f"[this page could not be read: {_short(error)}]"


def _scanned_message(source: Source, count: int) -> str:
    where = f" Open it at {source.link} to view it." if source.link else " Open the file to view it."
    pages = "1 page" if count == 1 else f"{count} pages"
    return (
        f"[{source.name} has {pages} but no text layer: it is probably a scanned document. "
        f"Its text cannot be read here (no OCR).{where}]\n"
    )


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = previous = numbers[0]
    for number in numbers[1:] + [0]:
        if number != previous + 1:
            spans.append(str(start) if start == previous else f"{start}-{previous}")
            start = number
        previous = number
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(spans)


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:160]
