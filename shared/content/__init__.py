"""Files as text the model can read: one pipeline for storage files, mail attachments and Atlassian attachments.

Formats (by content first, then MIME type, then extension): PDF, DOCX, XLSX (and .xlsm), PPTX, HTML, CSV, TSV,
markdown, plain text, JSON, e-mail files (.eml, message/rfc822). Google-native files are exported first: ask Drive
for `export_mime(file_mime)`. Images, media, archives and legacy Office files are never sent to the model: they get
a one-line description with the caller's link.

Use it like this in a tool (``read_page`` does exactly this)::

    from shared import content

    if not content.needs_download(mime, name):
        document = content.describe(name=name, mime=mime, size=size, link=url)
    else:
        content.check_size(size, mime, name=name)                   # FileTooLarge before any byte is fetched
        data = await content.collect(stream, name=name)              # or bytes you already hold (<= the cap)
        document = await content.to_markdown(data, name=name, mime=mime, link=url)
    result = content.page(document, cursor, page_chars)             # one page of markdown + next_cursor
    return result.markdown                                           # the page, plus "[truncated: ...]" if more

API:

- ``async read_page(download, *, name: str, mime: str, size: int | None, link: str | None = None,
  cursor: str | None = None, page_chars: int = DEFAULT_PAGE_CHARS, limits: Limits = DEFAULT_LIMITS) -> ContentPage``
  where ``download()`` returns an awaitable of bytes or an async iterator of chunks; it is not called for images,
  media, files over the cap or a malformed cursor.
- ``needs_download(mime: str, name: str = "") -> bool``
- ``check_size(size: int | None, mime: str, *, name: str, limits: Limits = DEFAULT_LIMITS) -> None``
- ``async collect(chunks: AsyncIterable[bytes], *, name: str, limits: Limits = DEFAULT_LIMITS) -> bytes``
- ``async to_markdown(data: bytes, *, name: str, mime: str, link: str | None = None, timeout: float | None = None,
  limits: Limits = DEFAULT_LIMITS) -> Document``
- ``describe(*, name: str, mime: str, size: int | None, link: str | None = None, kind: str = "binary") -> Document``
- ``page(document: Document, cursor: str | None = None, page_chars: int = DEFAULT_PAGE_CHARS) -> ContentPage``
- ``export_mime(google_mime: str) -> str | None``
- ``async close_workers() -> None``: end idle conversion workers (server shutdown, test teardown).
- ``register(mime: str, converter: Converter, *, kind: str) -> None`` for an extra format (a module-level function
  ``(data: bytes, source: Source, limits: Limits) -> Converted``).

`Document` holds the whole markdown (`markdown`, `notes`, `kind`, `fingerprint`); `ContentPage` one page of it
(`text`, `context`, `markdown`, `next_cursor`, `truncated`, `total_chars`, `remaining_chars`, `start`, `notes`).
Concatenating every page's `text` gives the document's markdown exactly; `markdown` (what the model reads) adds the
`context` of a page that starts mid-section (the PDF page or heading it continues, a table's header) and the
`[truncated: N more characters of NAME. Call again with cursor=... to read on.]` note.

A cursor names an offset and the document's fingerprint, so a cursor from a file that has changed since is refused
with a clear message. Conversion is deterministic: a stateless server re-downloads on the next call and the cursor
still fits; the text of recently converted bytes is reused (`memo.py`), so paging converts a file once per replica.

Failures are `shared.errors` types: `FileTooLarge` and `UnreadableFile` (both `InvalidInput`), `ConversionTimeout`
and `ConversionBusy` (`ConnectorError`); each message names the file and the problem.

Conversions run in worker processes of this package (`python -m shared.content.worker`), each under a time limit
that kills the worker, with a 1 GiB address-space cap; `MAX_WORKERS` (the CPUs this process may use, at most 4) run
at once.
"""

from __future__ import annotations

from .convert import MAX_WORKERS, check_size, collect, describe, needs_download, to_markdown
from .errors import ConversionBusy, ConversionTimeout, FileTooLarge, UnreadableFile
from .exports import GOOGLE_EXPORTS, export_mime
from .model import DEFAULT_LIMITS, ContentPage, Converted, Document, Limits, Source
from .paging import DEFAULT_PAGE_CHARS, page
from .pool import close_workers
from .read import Download, read_page
from .registry import Converter, register, unregister
from .sniff import EXTENSION_KINDS, MIME_KINDS

__all__ = [
    "MAX_WORKERS",
    "DEFAULT_LIMITS",
    "DEFAULT_PAGE_CHARS",
    "EXTENSION_KINDS",
    "GOOGLE_EXPORTS",
    "MIME_KINDS",
    "ContentPage",
    "ConversionBusy",
    "ConversionTimeout",
    "Converted",
    "Converter",
    "Document",
    "Download",
    "FileTooLarge",
    "Limits",
    "Source",
    "UnreadableFile",
    "check_size",
    "close_workers",
    "collect",
    "describe",
    "export_mime",
    "needs_download",
    "page",
    "read_page",
    "register",
    "to_markdown",
    "unregister",
]
