"""One call for a tool that shows a file: describe it, or check its size, download it, convert it and page it."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, Awaitable, Callable

from shared.shaping import decode_cursor

from .convert import check_size, collect, describe, needs_download, to_markdown
from .model import DEFAULT_LIMITS, ContentPage, Limits
from .paging import CURSOR_KIND, DEFAULT_PAGE_CHARS, page

Download = Callable[[], Awaitable[bytes]] | Callable[[], AsyncIterable[bytes]]


async def read_page(
    download: Download,
    *,
    name: str,
    mime: str,
    size: int | None,
    link: str | None = None,
    cursor: str | None = None,
    page_chars: int = DEFAULT_PAGE_CHARS,
    limits: Limits = DEFAULT_LIMITS,
) -> ContentPage:
    """The page of the file at `cursor`. `download` is called only when the file will be read: not for images or
    media, not when `size` is over the cap, not for a malformed cursor. It returns the bytes, or yields chunks
    (then at most `limits.max_bytes` are held in memory)."""
    if cursor:
        decode_cursor(CURSOR_KIND, cursor)  # a bad cursor fails before any byte is fetched
    if not needs_download(mime, name):
        return page(describe(name=name, mime=mime, size=size, link=link), cursor, page_chars)
    check_size(size, mime, name=name, limits=limits)
    produced = download()
    if inspect.isawaitable(produced):
        data = await produced
    else:
        data = await collect(produced, name=name, limits=limits)
    document = await to_markdown(data, name=name, mime=mime, link=link, limits=limits)
    return page(document, cursor, page_chars)
