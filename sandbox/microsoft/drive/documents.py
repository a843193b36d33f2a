"""Seed files made by the real libraries (fpdf2, python-docx, openpyxl, python-pptx, Pillow), cached per process.

Each maker takes the document's text so the seed can also index it for search.
"""

from __future__ import annotations

import base64
import io
import random
import threading
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

FIXED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv",
    "txt": "text/plain",
    "html": "text/html",
    "png": "image/png",
}


def mime_for(name: str) -> str:
    return MIME.get(name.rpartition(".")[2].lower(), "application/octet-stream")


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")  # fpdf2's core fonts are Latin-1


@cache
def pdf(title: str, paragraphs: tuple[str, ...]) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_creation_date(FIXED)
    doc.set_title(title)
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.multi_cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        if paragraph.startswith("## "):
            doc.set_font("Helvetica", "B", 12)
            doc.multi_cell(0, 8, _latin1(paragraph[3:]), new_x="LMARGIN", new_y="NEXT")
            doc.set_font("Helvetica", size=11)
            continue
        if paragraph == "\f":
            doc.add_page()
            continue
        doc.multi_cell(0, 6, _latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
        doc.ln(3)
    return bytes(doc.output())


def long_report_paragraphs(pages: int) -> tuple[str, ...]:
    """About ``pages`` pages of a plausible annual report, one section per page."""
    topics = ["Revenue", "Operating costs", "Headcount", "Risk", "Outlook", "Sustainability", "Governance"]
    out: list[str] = []
    for page in range(1, pages):
        topic = topics[page % len(topics)]
        out.append(f"Section {page}: {topic}")
        out.extend(
            f"{topic} paragraph {n}: during fiscal year 2025 Contoso reviewed {topic.lower()} across all "
            f"regions; the figures on page {page} compare them with 2024 and explain the variance."
            for n in range(1, 7)
        )
        out.append("\f")
    return tuple(out[:-1])


@cache
def scanned_pdf(lines: tuple[str, ...]) -> bytes:
    """A PDF with no text layer: the page is one raster image of the text, as a scanner makes it."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), 250)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((120, 150 + n * 40), line, fill=20)
    doc = FPDF()
    doc.set_creation_date(FIXED)
    doc.add_page()
    doc.image(image, x=0, y=0, w=210, h=297)
    return bytes(doc.output())


@cache
def docx(title: str, paragraphs: tuple[str, ...]) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.created = FIXED.replace(tzinfo=None)
    document.core_properties.modified = FIXED.replace(tzinfo=None)
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        if paragraph.startswith("## "):
            document.add_heading(paragraph[3:], level=2)
        else:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@cache
def xlsx(sheets: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.properties.created = FIXED.replace(tzinfo=None)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_ledger_lock = threading.Lock()


def large_ledger_xlsx() -> bytes:
    """About 5 MB: a ledger whose reference column is random, so the zip cannot shrink it. Made once (~2 s)."""
    with _ledger_lock:  # concurrent first requests wait for one build instead of each making it
        return _build_ledger(63_000)


@lru_cache(maxsize=1)
def _build_ledger(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ledger")
    rng = random.Random(2019)
    sheet.append(["Date", "Account", "Amount", "Reference"])
    for n in range(rows):
        sheet.append(
            [
                f"{2019 + n % 7}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                f"ACC-{n % 500:04d}",
                round(rng.uniform(-5000, 5000), 2),
                base64.b64encode(rng.randbytes(48)).decode(),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@cache
def pptx(slides: tuple[tuple[str, str], ...]) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


@cache
def png(caption: str, size: tuple[int, int] = (640, 400)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (34, 102, 153))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline=(255, 255, 255), width=4)
    draw.text((40, size[1] // 2), caption, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def csv_text(rows: tuple[tuple[Any, ...], ...]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def html_page(title: str, paragraphs: tuple[str, ...]) -> bytes:
    from html import escape

    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
        f"<body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    ).encode()


def extract_text(mime_type: str, data: bytes) -> str:
    """Searchable text of an uploaded file (as OneDrive indexes content); empty for formats it cannot read."""
    try:
        if mime_type.startswith("text/"):
            return data.decode("utf-8", "replace")
        if mime_type == MIME["pdf"]:
            import pypdf

            return " ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)
        if mime_type == MIME["docx"]:
            from docx import Document

            return " ".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        if mime_type == MIME["xlsx"]:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            return " ".join(str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row if c)
        if mime_type == MIME["pptx"]:
            from pptx import Presentation

            deck = Presentation(io.BytesIO(data))
            return " ".join(s.text_frame.text for sl in deck.slides for s in sl.shapes if s.has_text_frame)
    except Exception:  # a damaged or mislabelled upload is stored, just not searchable by content
        return ""
    return ""
