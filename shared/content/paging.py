"""Reading a document one page of characters at a time, with an opaque cursor to read on."""

from __future__ import annotations

import re

from shared.errors import InvalidInput
from shared.shaping import decode_cursor, encode_cursor

from .model import ContentPage, Document

CURSOR_KIND = "content"
DEFAULT_PAGE_CHARS = 20_000  # under shaping.DEFAULT_BUDGET, leaving room for a header and the truncation note
MIN_PAGE_CHARS = 500
_SECTION = re.compile(r"^(?:#{1,6} .+|--- page \d+ of \d+ ---)$", re.MULTILINE)
_LOOK_BACK = 200_000  # characters searched for the section a page starts in
_MAX_HEADER = 2_000  # a table header longer than this is not repeated: it would crowd out the page


def page(document: Document, cursor: str | None = None, page_chars: int = DEFAULT_PAGE_CHARS) -> ContentPage:
    """The page of `document` that starts where `cursor` says (the beginning when None).

    Pages end at a paragraph or line break when one is in the second half of the page, so a page rarely cuts a line.
    """
    if page_chars < MIN_PAGE_CHARS:
        raise InvalidInput(f"page_chars must be at least {MIN_PAGE_CHARS}; got {page_chars}.")
    text = document.markdown
    start = _start(document, cursor) if cursor else 0
    end = _page_end(text, start, page_chars)
    next_cursor = encode_cursor(CURSOR_KIND, {"o": end, "f": document.fingerprint}) if end < len(text) else None
    return ContentPage(
        name=document.name,
        text=text[start:end],
        context=_context(text, start),
        start=start,
        total_chars=len(text),
        next_cursor=next_cursor,
        notes=document.notes,
    )


def _start(document: Document, cursor: str) -> int:
    state = decode_cursor(CURSOR_KIND, cursor)
    offset = state.get("o")
    if state.get("f") != document.fingerprint:
        raise InvalidInput(
            f"This cursor was issued for another version of {document.name} (the file changed since). "
            "Read it again from the start, without a cursor."
        )
    if not isinstance(offset, int) or not 0 <= offset < len(document.markdown):
        raise InvalidInput("cursor is not valid for this file. Pass the next_cursor value from the previous result.")
    return offset


def _page_end(text: str, start: int, page_chars: int) -> int:
    limit = start + page_chars
    if limit >= len(text):
        return len(text)
    half = start + page_chars // 2
    for separator in ("\n\n", "\n"):
        cut = text.rfind(separator, half, limit)
        if cut != -1:
            return cut + len(separator)
    return limit


def _context(text: str, start: int) -> str:
    """What a page that starts mid-document needs to be read alone: the heading or PDF page it continues, and the
    header of a table it starts inside. Shown before the page in `ContentPage.markdown`, never part of `text`."""
    if start == 0 or _SECTION.match(text, start):
        return ""
    window = max(0, start - _LOOK_BACK)
    section = next(reversed(list(_SECTION.finditer(text, window, start))), None)
    context = f"[continued from: {section.group(0)}]\n" if section else ""
    header = _table_header(text, start)
    return context + ("\n" + header if header and context else header)


def _table_header(text: str, start: int) -> str:
    """The header and separator lines of the markdown table whose rows the page starts with, if any."""
    if not text.startswith("|", start) or start < 1 or text[start - 1] != "\n":
        return ""
    first = start
    while first > 0:
        previous = text.rfind("\n", 0, first - 1) + 1
        if not text.startswith("|", previous) or start - previous > _LOOK_BACK:
            break
        first = previous
    lines = text[first:start].split("\n", 2)
    if first == start or len(lines) < 3 or not lines[1].startswith("|---") or len(lines[0]) > _MAX_HEADER:
        return ""
    return f"{lines[0]}\n{lines[1]}\n"
