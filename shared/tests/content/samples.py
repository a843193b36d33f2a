"""Real files made by the same libraries people's tools use (fpdf2, python-docx, openpyxl, python-pptx)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import docx
import openpyxl
import pptx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from pptx.util import Inches


def clause(page: int, line: int) -> str:
    return f"Clause {page}.{line}: the supplier delivers item {page * 100 + line} within thirty days."


def pdf_with_text(pages: int, lines_per_page: int = 20) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        for line in range(1, lines_per_page + 1):
            pdf.cell(0, 8, clause(number, line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def encrypted_pdf(user_password: str) -> bytes:
    """Encrypted as Acrobat does it: with an empty user password anyone may open it, otherwise only with it."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, "Secret clause.")
    pdf.set_encryption(owner_password="owner", user_password=user_password)
    return bytes(pdf.output())


def png(width: int = 64, height: int = 64) -> bytes:
    """A grey square, encoded by hand so no imaging library is needed."""
    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def scanned_pdf(pages: int = 3) -> bytes:
    """Pages that are only a picture, like a scanner's output: no text layer at all."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(png()), x=10, y=10, w=190)
    return bytes(pdf.output())


def pdf_with_one_scanned_page() -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 8, "Typed first page.")
    pdf.add_page()
    pdf.image(io.BytesIO(png()), x=10, y=10, w=190)
    pdf.add_page()
    pdf.cell(0, 8, "Typed third page.")
    return bytes(pdf.output())


def word_document() -> bytes:
    document = docx.Document()
    document.add_heading("Supply agreement", level=1)
    document.add_heading("Scope", level=2)
    paragraph = document.add_paragraph("The supplier delivers ")
    paragraph.add_run("every item").bold = True
    paragraph.add_run(" on ")
    paragraph.add_run("working days").italic = True
    paragraph.add_run(" only.")
    document.add_paragraph("First bullet", style="List Bullet")
    document.add_paragraph("Nested bullet", style="List Bullet 2")
    document.add_paragraph("First step", style="List Number")
    document.add_paragraph("Second step", style="List Number")
    table = document.add_table(rows=3, cols=2)
    for row, values in zip(table.rows, [("Item", "Price"), ("Desk", "120"), ("Chair | red", "45")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    terms = document.add_paragraph("Terms are on ")
    add_hyperlink(terms, "the portal", "https://example.com/terms")
    terms.add_run(".")
    document.add_paragraph("Signed in Lyon.")
    return _saved(document)


def numbered_clauses() -> bytes:
    """Numbering the way Word applies it: `w:numPr` on 'List Paragraph' paragraphs, not list styles."""
    document = docx.Document()
    number_style = document.styles["List Number"].element.pPr.numPr.numId.val
    bullet_style = document.styles["List Bullet"].element.pPr.numPr.numId.val
    items = [("Scope", 0), ("Goods", 1), ("Services", 1), ("Price", 0), ("Payment in 30 days", 1)]
    for text, level in items:
        numbered(document.add_paragraph(text, style="List Paragraph"), number_style, level)
    numbered(document.add_paragraph("A bullet made with numbering", style="List Paragraph"), bullet_style, 0)
    return _saved(document)


def numbered(paragraph: Paragraph, num_id: int, level: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    numbering = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", level), ("w:numId", num_id)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), str(value))
        numbering.append(element)
    properties.append(numbering)


def add_hyperlink(paragraph: Paragraph, text: str, url: str) -> None:
    """python-docx reads hyperlinks but has no call to write one: this is the XML Word writes."""
    relation = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    label = OxmlElement("w:t")
    label.text = text
    run.append(label)
    link.append(run)
    paragraph._p.append(link)


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    return _saved(book)


def with_cached_value(xlsx: bytes, value: str) -> bytes:
    """What Excel does on saving: store each formula's last result next to it (openpyxl never computes)."""
    original = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for entry in original.infolist():
            data = original.read(entry.filename)
            if entry.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<v></v>", f"<v>{value}</v>".encode())
            package.writestr(entry, data)
    return buffer.getvalue()


def big_workbook(target_bytes: int = 5 * 1024 * 1024, seed: int = 7) -> bytes:
    """About `target_bytes` of XLSX: one sheet of order lines, mostly numbers (write-only mode keeps this fast)."""
    chooser = random.Random(seed)
    customers = [f"Customer {number}" for number in range(500)]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Orders")
    sheet.append(["order", "customer", "sku", "quantity", "price", "discount", "weight", "margin"])
    for number in range(1, int(target_bytes / 83) + 1):  # measured: ~83 compressed bytes per row of this shape
        sheet.append(
            [
                number,
                customers[chooser.randrange(len(customers))],
                f"SKU-{chooser.randrange(2000):04d}",
                chooser.randint(1, 500),
                chooser.random() * 1000,
                chooser.random(),
                chooser.random() * 50,
                chooser.random() - 0.5,
            ]
        )
    return _saved(book)


def presentation() -> bytes:
    deck = pptx.Presentation()
    title_slide = deck.slides.add_slide(deck.slide_layouts[0])
    title_slide.shapes.title.text = "Quarterly review"
    title_slide.placeholders[1].text = "Sales team, Q3"
    bullets = deck.slides.add_slide(deck.slide_layouts[1])
    bullets.shapes.title.text = "Highlights"
    body = bullets.placeholders[1].text_frame
    body.text = "Revenue up 12%"
    detail = body.add_paragraph()
    detail.text = "Mostly from renewals"
    detail.level = 1
    bullets.notes_slide.notes_text_frame.text = "Mention the Lyon office."
    table_slide = deck.slides.add_slide(deck.slide_layouts[5])
    table_slide.shapes.title.text = "Numbers"
    table = table_slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (row, column), value in {(0, 0): "Region", (0, 1): "Sales", (1, 0): "EMEA", (1, 1): "4.2M"}.items():
        table.cell(row, column).text = value
    return _saved(deck)


def _saved(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()
