"""The pipeline's values: limits, what a converter gets and returns, the document and one page of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from shared.shaping import truncation_marker

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Every bound the pipeline applies. Defaults suit one tool call on a 2-core server."""

    max_bytes: int = 20 * MIB  # a file over this is refused before download (check_size) and after
    max_unpacked_bytes: int = 200 * MIB  # DOCX/XLSX/PPTX: declared uncompressed size of the ZIP package
    max_chars: int = 1_000_000  # markdown kept per document (~250k tokens); the rest is named in a note
    max_table_rows: int = 500  # body rows per table (CSV, sheet, DOCX/PPTX table)
    max_table_columns: int = 40
    max_cell_chars: int = 300
    max_sheets: int = 30
    timeout: float = 20.0  # seconds per conversion; the worker process is killed when it runs over


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Source:
    """What a converter knows about the file besides its bytes."""

    name: str
    mime: str
    link: str | None = None
    kind: str = ""  # what the pipeline decided the file is (pdf, docx, ...), for messages


@dataclass
class Converted:
    """A converter's result: markdown, plus notes on what was left out or could not be read."""

    markdown: str
    notes: list[str] = field(default_factory=list)


def prefaced(markdown: str, notes: list[str]) -> str:
    """Notes the text does not show by itself (a guessed encoding, a mislabelled file) go on top, for the model."""
    return "".join(f"[{note}]\n\n" for note in notes) + markdown


@dataclass(frozen=True)
class Document:
    """A whole file as markdown. Keep it only for the call; re-convert on the next one (same bytes, same text)."""

    name: str
    mime: str
    kind: str  # pdf, docx, xlsx, pptx, html, csv, tsv, markdown, text, json, image, binary, or a registered kind
    markdown: str
    notes: tuple[str, ...] = ()
    size: int = 0  # bytes converted (or declared, for files that were not downloaded)
    link: str | None = None

    @cached_property
    def fingerprint(self) -> str:
        """Short hash of the text: a cursor from another version of the file is refused, not misread."""
        return hashlib.sha256(self.markdown.encode("utf-8", "surrogatepass")).hexdigest()[:12]


@dataclass(frozen=True)
class ContentPage:
    """One page of a document's markdown. Concatenating every page's `text` gives the whole document."""

    name: str
    text: str
    start: int  # offset of `text` in the document's markdown, in characters
    total_chars: int
    next_cursor: str | None
    notes: tuple[str, ...] = ()
    context: str = ""  # for a page that starts mid-section: the heading or PDF page it continues, a table's header

    @property
    def truncated(self) -> bool:
        return self.next_cursor is not None

    @property
    def remaining_chars(self) -> int:
        return self.total_chars - self.start - len(self.text)

    @property
    def markdown(self) -> str:
        """What the model reads: the context, the page, then a visible note naming the cursor when more follows."""
        if self.next_cursor is None:
            return self.context + self.text
        hint = f"Call again with cursor={self.next_cursor} to read on."
        marker = truncation_marker(f"{self.remaining_chars:,} more characters of {self.name}", hint)
        return self.context + self.text + marker
