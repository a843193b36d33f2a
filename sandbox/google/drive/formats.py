"""File bytes made by the real libraries (fpdf2, python-docx, openpyxl, python-pptx, Pillow), and back to text.

Used at seed time (every seeded file is produced here, never hand-written bytes), by exports of Google-native
files, by conversions on upload, and to index uploaded files for ``fullText`` search.
"""

from __future__ import annotations

import csv
import io
import random
import re

from markdown_it import MarkdownIt
from markdownify import markdownify

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1; replace what they cannot draw."""
    return text.replace("\u2019", "'").replace("\u2014", "-").encode("latin-1", "replace").decode("latin-1")


def pdf(pages: list[str], title: str = "") -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_title(title)
    doc.set_font("helvetica", size=11)
    for text in pages:
        doc.add_page()
        doc.multi_cell(0, 6, _latin1(text))
    return bytes(doc.output())


def png(text: str, size: tuple[int, int] = (480, 240), *, seed: int = 0) -> bytes:
    """An image with ``text`` drawn as pixels (no text layer anywhere)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (250, 248, 240))
    draw = ImageDraw.Draw(img)
    rng = random.Random(seed)
    for _ in range(200):  # paper noise, as a scanner leaves
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.point((x, y), fill=(200, 200, 200))
    for i, line in enumerate(text.splitlines()):
        draw.text((20, 20 + 18 * i), line, fill=(20, 20, 20))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def scanned_pdf(image_png: bytes) -> bytes:
    """A PDF whose only page content is an image: what a scanner produces (no text layer)."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.image(io.BytesIO(image_png), x=10, y=10, w=190)
    return bytes(doc.output())


def docx(title: str, paragraphs: list[str]) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_heading(title, level=1)
    for para in paragraphs:
        if para.startswith("## "):
            document.add_heading(para[3:], level=2)
        else:
            document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(sheets: list[tuple[str, list[list]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_NOTE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "


def big_xlsx(rows: int = 40_000, *, seed: int = 7) -> bytes:
    """About 5 MB of workbook for benchmarks (made on first access: it takes a few seconds)."""
    rng = random.Random(seed)
    regions = ["North", "South", "East", "West", "Central"]
    data: list[list] = [["Order", "Region", "Product", "Units", "Unit price", "Total", "Note"]]
    for i in range(1, rows + 1):
        units, price = rng.randint(1, 500), round(rng.uniform(1, 300), 2)
        data.append(
            [
                f"SO-{i:06d}",
                rng.choice(regions),
                f"Product {rng.randint(1, 400):03d}",
                units,
                price,
                round(units * price, 2),
                "".join(rng.choices(_NOTE_ALPHABET, k=100)),
            ]
        )
    return xlsx([("Orders", data)])


def pptx(slides: list[tuple[str, str]]) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    layout = deck.slide_layouts[1]  # title and content
    for title, body in slides:
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- text views of content
def markdown_to_html(markdown: str, title: str = "") -> str:
    body = MarkdownIt("commonmark").enable("table").render(markdown)
    return (
        f'<!DOCTYPE html><html><head><meta content="text/html; charset=UTF-8" http-equiv="content-type">'
        f"<title>{title}</title></head><body>{body}</body></html>"
    )


def markdown_to_text(markdown: str) -> str:
    text = re.sub(r"^#{1,6}\s*", "", markdown, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__|\*|_|`)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return text.strip() + "\n"


def html_to_markdown(html: str) -> str:
    return markdownify(html, heading_style="ATX").strip() + "\n"


def markdown_paragraphs(markdown: str) -> list[str]:
    return [p.strip().replace("\n", " ") for p in markdown.split("\n\n") if p.strip()]


def rows_to_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def csv_to_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text))]


def slides_to_text(slides: list[tuple[str, str]]) -> str:
    return "\n\n".join(f"{title}\n{body}" for title, body in slides) + "\n"


def extract_text(mime: str, body: bytes) -> str:
    """Text of an uploaded file, for fullText search and conversions; empty when the format has none."""
    try:
        if mime == "text/html":
            return html_to_markdown(body.decode("utf-8", "replace"))
        if mime.startswith("text/") or mime in ("application/json", "application/xml"):
            return body.decode("utf-8", "replace")
        if mime == PDF:
            from pypdf import PdfReader

            return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
        if mime == DOCX:
            import docx as python_docx

            return "\n\n".join(p.text for p in python_docx.Document(io.BytesIO(body)).paragraphs)
        if mime == XLSX:
            return "\n".join(",".join(r) for _, rows in xlsx_to_sheets(body) for r in rows)
        if mime == PPTX:
            return slides_to_text(pptx_to_slides(body))
    except Exception:  # noqa: BLE001  # a file that does not parse is stored as is and simply not indexed, as at Google
        return ""
    return ""


def docx_to_markdown(body: bytes) -> str:
    import docx as python_docx

    lines = []
    for p in python_docx.Document(io.BytesIO(body)).paragraphs:
        if not p.text.strip():
            continue
        level = p.style.name[len("Heading ") :] if p.style is not None and p.style.name.startswith("Heading ") else ""
        lines.append(("#" * int(level) + " " if level.isdigit() else "") + p.text)
    return "\n\n".join(lines) + "\n"


def xlsx_to_sheets(body: bytes) -> list[tuple[str, list[list[str]]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    return [
        (ws.title, [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)])
        for ws in book.worksheets
    ]


def pptx_to_slides(body: bytes) -> list[tuple[str, str]]:
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(body)).slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s != slide.shapes.title]
        out.append((title, "\n".join(texts)))
    return out
