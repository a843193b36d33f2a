"""DOCX to markdown with python-docx: headings and lists from paragraph styles, bold/italic, links, tables.

Body paragraphs and tables come in document order. Pictures become `[image]`; headers, footers and comments
are left out.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.drawing import Drawing
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from .errors import UnreadableFile
from .model import Converted, Limits, Source
from .tables import render_table
from .word_lists import ListMarkers

_LEVEL = re.compile(r"(\d+)\s*$")
_ITEM = re.compile(r"\s*(?:-|\d+\.) ")


def convert_docx(data: bytes, source: Source, limits: Limits) -> Converted:
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableFile(
            f"{source.name} could not be read as a Word document: the file is damaged ({str(error)[:160]})."
        ) from None
    blocks: list[str] = []
    notes: list[str] = []
    lists = ListMarkers(document)
    size = 0
    for block in document.iter_inner_content():
        text = _table(block, limits, notes, source.name) if isinstance(block, Table) else _paragraph(block, lists)
        if not text:
            continue
        if blocks and size + len(text) + 2 > limits.max_chars:
            notes.append(f"{source.name}: conversion stopped at the {limits.max_chars:,}-character limit.")
            blocks.append("[the rest of the document is not shown: it is over the size limit]")
            break
        blocks.append(text)
        size += len(text) + 2
    markdown = _join(blocks)
    return Converted(markdown or f"_{source.name} has no text._\n", notes)


def _join(blocks: list[str]) -> str:
    """Blank lines between blocks, except between consecutive list items (so lists stay lists)."""
    out: list[str] = []
    for block in blocks:
        if out:
            out.append("\n" if _ITEM.match(block) and _ITEM.match(out[-1]) else "\n\n")
        out.append(block)
    return "".join(out) + "\n" if out else ""


def _paragraph(paragraph: Paragraph, lists: ListMarkers) -> str:
    text = _inline(paragraph).strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    lowered = style.lower()
    if lowered == "title":
        return f"# {text}"
    if lowered.startswith("heading"):
        match = _LEVEL.search(style)
        return "#" * min(int(match.group(1)) if match else 1, 6) + " " + text
    if "quote" in lowered:
        return f"> {text}"
    item = lists.marker(paragraph)
    if item is not None:
        level, marker = item
        return "  " * level + f"{marker} {text}"
    return text


def _inline(paragraph: Paragraph) -> str:
    segments: list[tuple[str, bool, bool]] = []
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            label = "".join(_run_text(run) for run in item.runs).strip()
            url = item.url
            segments.append((f"[{label}]({url})" if url and label else label, False, False))
        else:
            segments.append((_run_text(item), bool(item.bold), bool(item.italic)))
    return "".join(_emphasise(text, bold, italic) for text, bold, italic in _merge(segments))


def _run_text(run: Run) -> str:
    parts: list[str] = []
    for item in run.iter_inner_content():
        parts.append(item if isinstance(item, str) else ("[image]" if isinstance(item, Drawing) else ""))
    return "".join(parts)


def _merge(segments: list[tuple[str, bool, bool]]) -> Iterator[tuple[str, bool, bool]]:
    """Adjacent runs with the same formatting are one span: `**ab**`, not `**a****b**`."""
    current: tuple[str, bool, bool] | None = None
    for text, bold, italic in segments:
        if current and current[1:] == (bold, italic):
            current = (current[0] + text, bold, italic)
            continue
        if current:
            yield current
        current = (text, bold, italic)
    if current:
        yield current


def _emphasise(text: str, bold: bool, italic: bool) -> str:
    core = text.strip()
    if not core or not (bold or italic):
        return text
    mark = ("**" if bold else "") + ("*" if italic else "")
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{mark}{core}{mark[::-1]}{trail}"


def _table(table: Table, limits: Limits, notes: list[str], name: str) -> str:
    rows = ([cell.text for cell in row.cells] for row in table.rows)
    markdown, cap = render_table(rows, limits)
    if cap:
        notes.append(f"{name}: a table was capped ({cap.strip('[]')}).")
        markdown += f"\n\n{cap}"
    return markdown
