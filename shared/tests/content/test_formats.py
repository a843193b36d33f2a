"""Each format reads as markdown a person would write: headings, lists, tables, page and slide sections."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest

from shared import content
from shared.content.sniff import DOCX_MIME, PPTX_MIME, XLSX_MIME

from . import samples

pytestmark = pytest.mark.anyio


async def test_a_pdf_reads_page_by_page_behind_citable_page_markers():
    document = await content.to_markdown(samples.pdf_with_text(3, 2), name="terms.pdf", mime="application/pdf")
    assert document.kind == "pdf"
    assert document.markdown.startswith("--- page 1 of 3 ---\nClause 1.1: ")
    page_two = document.markdown.split("--- page 2 of 3 ---")[1].split("--- page 3 of 3 ---")[0]
    assert samples.clause(2, 1) in page_two and samples.clause(2, 2) in page_two
    assert samples.clause(3, 2) in document.markdown and document.notes == ()


async def test_a_scanned_pdf_says_it_has_no_text_layer_and_links_to_the_file():
    document = await content.to_markdown(
        samples.scanned_pdf(3), name="scan.pdf", mime="application/pdf", link="https://drive.example/scan"
    )
    assert "scan.pdf has 3 pages but no text layer: it is probably a scanned document" in document.markdown
    assert "Open it at https://drive.example/scan" in document.markdown
    assert document.notes == ("scan.pdf has no text layer (probably scanned).",)


async def test_a_pdf_with_one_scanned_page_names_that_page_and_keeps_the_others():
    document = await content.to_markdown(samples.pdf_with_one_scanned_page(), name="mixed.pdf", mime="application/pdf")
    assert "Typed first page." in document.markdown and "Typed third page." in document.markdown
    assert "--- page 2 of 3 ---\n[no text on this page: it is probably a scanned image]" in document.markdown
    assert document.notes == ("mixed.pdf: 1 page(s) have no text layer (probably scanned): page 2.",)


async def test_a_word_document_keeps_headings_lists_emphasis_and_tables():
    document = await content.to_markdown(samples.word_document(), name="agreement.docx", mime=DOCX_MIME)
    assert document.kind == "docx"
    assert document.markdown == (
        "# Supply agreement\n\n"
        "## Scope\n\n"
        "The supplier delivers **every item** on *working days* only.\n\n"
        "- First bullet\n"
        "  - Nested bullet\n"
        "1. First step\n"
        "2. Second step\n\n"
        "| Item | Price |\n|---|---|\n| Desk | 120 |\n| Chair \\| red | 45 |\n\n"
        "Terms are on [the portal](https://example.com/terms).\n\n"
        "Signed in Lyon.\n"
    )


async def test_numbered_clauses_in_a_word_document_carry_their_numbers():
    document = await content.to_markdown(samples.numbered_clauses(), name="terms.docx", mime=DOCX_MIME)
    assert document.markdown == (
        "1. Scope\n  1. Goods\n  2. Services\n2. Price\n  1. Payment in 30 days\n- A bullet made with numbering\n"
    )


async def test_a_workbook_has_one_section_per_sheet_named_after_it():
    data = samples.workbook({"Budget": [["Item", "Cost"], ["Desk", 120.0], ["Chair", 45.5]], "Empty": []})
    document = await content.to_markdown(data, name="budget.xlsx", mime=XLSX_MIME)
    assert document.markdown == (
        "## Sheet: Budget\n\n| Item | Cost |\n|---|---|\n| Desk | 120 |\n| Chair | 45.5 |\n\n"
        "## Sheet: Empty\n\n_(empty sheet)_\n"
    )


async def test_a_formula_that_was_never_computed_shows_itself_and_a_computed_one_its_value():
    data = samples.workbook({"Sum": [["Item", "Cost"], ["Desk", 120], ["Chair", 45], ["Total", "=SUM(B2:B3)"]]})
    document = await content.to_markdown(data, name="sum.xlsx", mime=XLSX_MIME)
    assert document.markdown.splitlines()[-1] == "| Total | =SUM(B2:B3) |"
    saved_by_excel = await content.to_markdown(samples.with_cached_value(data, "165"), name="s.xlsx", mime=XLSX_MIME)
    assert saved_by_excel.markdown.splitlines()[-1] == "| Total | 165 |"


async def test_a_presentation_has_one_section_per_slide_with_its_title_bullets_table_and_notes():
    document = await content.to_markdown(samples.presentation(), name="review.pptx", mime=PPTX_MIME)
    assert document.markdown == (
        "## Slide 1: Quarterly review\n\n- Sales team, Q3\n\n"
        "## Slide 2: Highlights\n\n- Revenue up 12%\n  - Mostly from renewals\n\n"
        "**Notes:** Mention the Lyon office.\n\n"
        "## Slide 3: Numbers\n\n| Region | Sales |\n|---|---|\n| EMEA | 4.2M |\n"
    )


async def test_html_becomes_markdown_without_scripts_styles_or_inline_image_data():
    html = (
        b"<html><head><title>Mail</title><style>p{color:red}</style></head><body><h2>Plan</h2>"
        b"<p>Read <a href='https://example.com/plan'>the plan</a> <b>today</b>.</p><script>alert(1)</script>"
        b"<ul><li>one</li><li>two</li></ul><img src='data:image/png;base64,iVBORw0KGgo=' alt='chart'></body></html>"
    )
    document = await content.to_markdown(html, name="mail.html", mime="text/html; charset=utf-8")
    assert document.markdown == (
        "## Plan\n\nRead [the plan](https://example.com/plan) **today**.\n\n- one\n- two\n\n[image: chart]\n"
    )


async def test_csv_becomes_a_table_whatever_its_delimiter():
    comma = await content.to_markdown(b"name,city\nAda,London\nLin,Lyon\n", name="people.csv", mime="text/csv")
    semicolon = await content.to_markdown(b"name;city\nAda;London\nLin;Lyon\n", name="people.csv", mime="text/csv")
    expected = "| name | city |\n|---|---|\n| Ada | London |\n| Lin | Lyon |\n"
    assert comma.markdown == expected and semicolon.markdown == expected


async def test_google_exports_are_read_by_their_export_types():
    assert content.export_mime("application/vnd.google-apps.document") == "text/markdown"
    assert content.export_mime("application/vnd.google-apps.spreadsheet") == XLSX_MIME
    assert content.export_mime("application/vnd.google-apps.presentation") == PPTX_MIME
    assert content.export_mime("application/vnd.google-apps.drawing") is None
    exported_doc = await content.to_markdown(b"# Notes\n\n- a\r\n- b\r\n", name="Notes", mime="text/markdown")
    sheet_csv = await content.to_markdown(b"a,b\r\n1,2\r\n", name="Sheet1", mime="text/csv")
    assert exported_doc.kind == "markdown" and exported_doc.markdown == "# Notes\n\n- a\n- b\n"
    assert sheet_csv.markdown == "| a | b |\n|---|---|\n| 1 | 2 |\n"


async def test_json_is_pretty_printed_in_a_code_block_and_other_text_passes_through():
    data = json.dumps({"id": 7, "tags": ["a"]}).encode()
    document = await content.to_markdown(data, name="issue.json", mime="application/json")
    assert document.markdown == '```json\n{\n  "id": 7,\n  "tags": [\n    "a"\n  ]\n}\n```\n'
    broken = await content.to_markdown(b'{"id": 7,', name="cut.json", mime="application/json")
    assert broken.markdown == '[cut.json is not valid JSON; it is shown as plain text.]\n\n{"id": 7,'
    about_pdf = await content.to_markdown(b"Files start with %PDF-1.7.\n", name="notes.md", mime="text/markdown")
    assert about_pdf.markdown == "Files start with %PDF-1.7.\n"
    cars = await content.to_markdown(b"BMW and Audi sales\n", name="cars.txt", mime="text/plain")
    assert cars.kind == "text"
    log = await content.to_markdown(b"line one\nline two\n", name="build.log", mime="application/octet-stream")
    assert (log.kind, log.markdown) == ("text", "line one\nline two\n")


async def test_text_that_is_not_utf8_is_read_as_windows_1252_and_says_so():
    document = await content.to_markdown("Café à Lyon".encode("cp1252"), name="note.txt", mime="text/plain")
    assert document.markdown == "[The text is not valid UTF-8; it was read as Windows-1252.]\n\nCafé à Lyon"
    assert document.notes == ("The text is not valid UTF-8; it was read as Windows-1252.",)


async def test_an_image_is_described_with_its_link_and_never_sent_as_data():
    image = samples.png()
    document = await content.to_markdown(image, name="photo.png", mime="image/png", link="https://drive.example/p")
    assert document.kind == "image"
    assert document.markdown == (
        f"[photo.png (image/png, {len(image)} bytes) is an image: it has no text to show here. "
        "Open it at https://drive.example/p.]\n"
    )
    assert not content.needs_download("image/jpeg", "photo.jpg") and not content.needs_download("video/mp4")
    assert content.needs_download("application/pdf", "a.pdf") and content.needs_download("", "notes.unknown")
    described = content.describe(name="clip.mp4", mime="video/mp4", size=3 * 1024 * 1024, link="https://x/clip")
    assert described.markdown == (
        "[clip.mp4 (video/mp4, 3.0 MB) is a binary file: it has no text to show here. Open it at https://x/clip.]\n"
    )


async def test_an_email_file_shows_its_headers_body_and_attachments_but_no_attachment_bytes():
    message = EmailMessage()
    message["From"] = "Ada <ada@example.com>"
    message["To"] = "lin@example.com"
    message["Subject"] = "Signed contract"
    message.set_content("Hello Lin,\n\nthe signed contract is attached.\n")
    message.add_attachment(samples.pdf_with_text(1, 1), maintype="application", subtype="pdf", filename="c.pdf")
    attachment_bytes = len(message.get_payload()[1].get_payload(decode=True))
    document = await content.to_markdown(message.as_bytes(), name="fwd.eml", mime="message/rfc822")
    assert document.kind == "email"
    assert document.markdown == (
        "**From:** Ada <ada@example.com>  \n**To:** lin@example.com  \n**Subject:** Signed contract\n\n"
        "Hello Lin,\n\nthe signed contract is attached.\n\n"
        f"**Attachments:**\n- c.pdf (application/pdf, {attachment_bytes:,} bytes)\n"
    )
    html_only = EmailMessage()
    html_only["Subject"] = "Plan"
    html_only.set_content("<h1>Plan</h1><p>Do <b>it</b></p>", subtype="html")
    document = await content.to_markdown(html_only.as_bytes(), name="plan.eml", mime="")
    assert document.markdown == "**Subject:** Plan\n\n# Plan\n\nDo **it**\n"
    assert not content.needs_download("application/octet-stream", "holiday.JPG")
    assert content.needs_download("application/octet-stream", "notes.weird")
