"""Every seeded format read through `storage_read_file`, on both providers: text for documents, a named scan,
metadata and a link (never bytes) for an image, the 50-page PDF whole and the ~5 MB workbook page by page."""

from __future__ import annotations

import re

import pytest

from shared.testing import call

from .conftest import Connect

pytestmark = pytest.mark.anyio

# (file name, words in its text) per provider; the seeds are sandbox/google/drive/seed.py, sandbox/microsoft/...
GOOGLE = [
    ("Signed contract with Acme.pdf", "Termination"),
    ("Signed contract with Acme.docx", "Termination"),
    ("Q3 sales.xlsx", "North"),
    ("Quarterly review.pptx", "Highlights"),
    ("Customers.csv", "Globex"),
    ("Landing page.html", "Welcome"),
    ("Team notes.txt", "Stand-up"),
    ("Project Phoenix plan", "Phoenix"),  # a Google Doc, exported as markdown
    ("Budget 2026", ""),  # a Google Sheet, exported as CSV
    ("Phoenix kickoff", ""),  # Google Slides, exported as text
]
ONEDRIVE = [
    ("Acme - Master Services Agreement (signed).pdf", "Termination"),
    ("Globex NDA.docx", "Globex"),
    ("Q3 budget.xlsx", ""),
    ("Board update Q3.pptx", ""),
    ("Invoices.csv", ""),
    ("Onboarding.html", ""),
]


async def file_id(client, name: str) -> str:
    words = re.sub(r"[^\w ]", " ", name.rsplit(".", 1)[0])
    _, found = await call(client, "storage_search_files", words=words, limit=50)
    return next(f["id"] for f in found["files"] if f["name"] == name)


async def read_all(client, name: str, words: str) -> str:
    text, page = await call(client, "storage_read_file", id=await file_id(client, name))
    assert text.strip() and (not words or words in text), text[:500]
    assert page["url"].startswith(("http://", "https://"))
    return text


@pytest.mark.parametrize(("name", "words"), GOOGLE)
async def test_a_drive_file_reads_as_text(as_google: Connect, name: str, words: str):
    async with as_google() as client:
        await read_all(client, name, words)


@pytest.mark.parametrize(("name", "words"), ONEDRIVE)
async def test_a_onedrive_file_reads_as_text(as_graph: Connect, name: str, words: str):
    async with as_graph() as client:
        await read_all(client, name, words)


@pytest.mark.parametrize(
    ("provider", "scan", "image"),
    [
        ("google", "Scanned invoice 0042.pdf", "Office photo.png"),
        ("graph", "Signed purchase order (scan).pdf", "Team offsite.png"),
    ],
)
async def test_a_scan_says_it_has_no_text_and_an_image_is_a_link_not_bytes(
    request: pytest.FixtureRequest, provider: str, scan: str, image: str
):
    connect: Connect = request.getfixturevalue(f"as_{provider}")
    async with connect() as client:
        scanned = await read_all(client, scan, "no text layer")
        picture, page = await call(client, "storage_read_file", id=await file_id(client, image))
    assert "no OCR" in scanned
    assert page["url"] in picture and "base64" not in picture and len(picture) < 2000


@pytest.mark.parametrize(
    ("provider", "report", "ledger"),
    [
        ("google", "Annual report 2025.pdf", "Sales orders (large).xlsx"),
        ("graph", "Annual report 2025.pdf", "Ledger 2019-2025.xlsx"),
    ],
)
async def test_the_fifty_page_pdf_reads_and_the_five_megabyte_workbook_pages_on(
    request: pytest.FixtureRequest, provider: str, report: str, ledger: str
):
    connect: Connect = request.getfixturevalue(f"as_{provider}")
    async with connect() as client:
        report_id, pdf, cursor = await file_id(client, report), "", ""
        for _ in range(10):  # the whole report, following the cursor
            text, page = await call(client, "storage_read_file", id=report_id, cursor=cursor)
            pdf, cursor = pdf + text, page.get("next_cursor")
            if not cursor:
                break
        ledger_id = await file_id(client, ledger)
        first, page = await call(client, "storage_read_file", id=ledger_id)
        second, _ = await call(client, "storage_read_file", id=ledger_id, cursor=page["next_cursor"])
    assert re.search(r"page 50 of 5\d ---", pdf) and not cursor  # every page, each named
    assert page["next_cursor"] and "[truncated:" in first
    assert second.strip() and second != first
