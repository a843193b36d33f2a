"""Text the model wrote, as an Office file: markdown or plain text to a Word document, CSV to an Excel workbook.

What Google Drive does itself when asked for a Google Doc or Sheet, OneDrive cannot: the file is made here, with the
libraries the content pipeline reads them with (python-docx, openpyxl). Markdown keeps its structure (headings,
bulleted and numbered lists, paragraphs; emphasis markers are dropped); CSV cells that are numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re

import docx
import openpyxl

from shared.errors import InvalidInput

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {"doc": ".docx", "sheet": ".xlsx"}
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")


def office_name(name: str, convert: str) -> str:
    """`Minutes.md` -> `Minutes.docx`; a name without a text extension gets the Office one added."""
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in ("md", "markdown", "txt", "text", "csv"):
        name = stem
    return name if name.lower().endswith(EXTENSIONS[convert]) else name + EXTENSIONS[convert]


def office_file(text: str, convert: str) -> tuple[bytes, str]:
    """(bytes, MIME type) of the Word document ("doc") or Excel workbook ("sheet") holding `text`."""
    return (_word(text), DOCX_MIME) if convert == "doc" else (_workbook(text), XLSX_MIME)


def _plain(text: str) -> str:
    return _EMPHASIS.sub(r"\2", text).strip()


def _word(markdown: str) -> bytes:
    document = docx.Document()
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            document.add_paragraph(_plain(" ".join(paragraph)))
            paragraph.clear()

    for line in markdown.splitlines():
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            document.add_heading(_plain(heading.group(2)), level=len(heading.group(1)))
        elif bullet or numbered:
            flush()
            item = (bullet or numbered).group(1)  # type: ignore[union-attr]
            document.add_paragraph(_plain(item), style="List Bullet" if bullet else "List Number")
        else:
            paragraph.append(line.strip())
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _cell(value: str) -> str | int | float:
    try:
        return int(value) if re.fullmatch(r"-?\d{1,15}", value) else float(value) if _is_decimal(value) else value
    except ValueError:
        return value


def _is_decimal(value: str) -> bool:
    return re.fullmatch(r"-?\d+\.\d+", value) is not None


def _workbook(text: str) -> bytes:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InvalidInput("content is empty: give the CSV rows to put in the workbook.")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
