"""Seeded files are real documents: each opens with its format's library after a download over HTTPS."""

from __future__ import annotations

import csv
import io

import openpyxl
import pypdf
from docx import Document
from PIL import Image
from pptx import Presentation


def download(client, anonymous, path: str) -> bytes:
    redirect = client.get(f"/me/drive/root:/{path}:/content")
    assert redirect.status_code == 302, redirect.text
    return anonymous.get(redirect.headers["location"]).content


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join(page.extract_text() or "" for page in reader.pages)


def test_the_signed_acme_contract_is_a_pdf_with_a_termination_clause(alice, anonymous):
    _pages, text = pdf_text(download(alice, anonymous, "Contracts/Acme - Master Services Agreement (signed).pdf"))
    assert "14. Termination" in text and "ninety (90) days" in text and "Signed for Acme" in text


def test_the_annual_report_is_about_fifty_pages(alice, anonymous):
    pages, text = pdf_text(download(alice, anonymous, "Reports/Annual report 2025.pdf"))
    assert 48 <= pages <= 52 and "Section 40" in text


def test_the_scanned_purchase_order_has_an_image_but_no_text_layer(alice, anonymous):
    data = download(alice, anonymous, "Scans/Signed purchase order (scan).pdf")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert (reader.pages[0].extract_text() or "").strip() == ""
    assert len(reader.pages[0].images) == 1


def test_word_excel_powerpoint_csv_html_text_and_image_files_open(alice, anonymous):
    draft = Document(io.BytesIO(download(alice, anonymous, "Contracts/Acme - MSA draft v3.docx")))
    assert any("Termination" in p.text for p in draft.paragraphs)
    book = openpyxl.load_workbook(io.BytesIO(download(alice, anonymous, "Finance/Q3 budget.xlsx")))
    assert book["Budget"]["A2"].value == "Legal"
    deck = Presentation(io.BytesIO(download(alice, anonymous, "Presentations/Board update Q3.pptx")))
    assert deck.slides[0].shapes.title.text == "Board update Q3 2026"
    rows = list(csv.reader(io.StringIO(download(alice, anonymous, "Finance/Invoices.csv").decode())))
    assert rows[1][1] == "Acme Corporation"
    assert b"<h1>Onboarding guide" in download(alice, anonymous, "Notes/Onboarding.html")
    assert download(alice, anonymous, "Notes/Meeting notes 2026-11-03.txt").startswith(b"Meeting notes")
    assert Image.open(io.BytesIO(download(alice, anonymous, "Photos/Team offsite.png"))).size == (640, 400)


def test_the_large_ledger_is_about_five_megabytes_and_matches_its_listed_size(alice, anonymous):
    item = alice.get("/me/drive/root:/Archive/Ledger 2019-2025.xlsx").json()
    data = download(alice, anonymous, "Archive/Ledger 2019-2025.xlsx")
    assert len(data) == item["size"] and 4_500_000 < len(data) < 6_000_000
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Ledger"]
    assert next(sheet.iter_rows(values_only=True)) == ("Date", "Account", "Amount", "Reference")


def test_bob_and_the_legal_site_have_their_own_files(bob, alice):
    assert [i["name"] for i in bob.get("/me/drive/root/children").json()["value"]] == [
        "Expenses",
        "Projects",
        "notes.txt",
    ]
    site = alice.get("/sites/contoso.sharepoint.com:/sites/legal").json()
    register = alice.get(f"/sites/{site['id']}/drive/root:/Contract register.xlsx").json()
    assert register["parentReference"]["siteId"] == site["id"]


def test_seeding_is_deterministic():
    from sandbox.microsoft.drive.model import DriveStore
    from sandbox.microsoft.drive.seed import seed

    first, second = DriveStore(), DriveStore()
    seed(first)
    seed(second)
    assert sorted(first.items) == sorted(second.items)
    assert [(i.name, i.created) for i in first.items.values()] == [(i.name, i.created) for i in second.items.values()]
