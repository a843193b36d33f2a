"""Reading content through google-api-python-client: metadata, alt=media downloads, and exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import docx
import openpyxl
import pptx
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseDownload
from pypdf import PdfReader

from .conftest import find
from .discovery_schema import assert_valid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def download(drive: Any, file_id: str, chunksize: int = 100 * 1024 * 1024) -> bytes:
    out = io.BytesIO()
    loader = MediaIoBaseDownload(out, drive.files().get_media(fileId=file_id), chunksize=chunksize)
    done = False
    while not done:
        _, done = loader.next_chunk()
    return out.getvalue()


def export(drive: Any, name: str, mime: str) -> bytes:
    return drive.files().export(fileId=find(drive, name)["id"], mimeType=mime).execute()


def http_error(call: Any) -> tuple[int, dict]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    return caught.value.resp.status, json.loads(caught.value.content)["error"]


def test_get_returns_full_metadata_that_validates(alice: Any) -> None:
    pdf = find(alice, "Signed contract with Acme.pdf")
    meta = alice.files().get(fileId=pdf["id"], fields="*").execute()
    assert_valid("drive.files.get", meta)
    assert meta["mimeType"] == "application/pdf" and int(meta["size"]) > 500 and len(meta["md5Checksum"]) == 32
    assert meta["owners"][0]["emailAddress"] == "alice@example.com" and meta["ownedByMe"] is True
    assert alice.files().get(fileId=pdf["id"]).execute() == {
        "kind": "drive#file",
        "id": pdf["id"],
        "name": pdf["name"],
        "mimeType": "application/pdf",
    }


def test_the_signed_contract_pdf_has_a_termination_clause(alice: Any) -> None:
    body = download(alice, find(alice, "Signed contract with Acme.pdf")["id"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Termination" in text and "ninety (90) days" in text


def test_the_contract_docx_opens_in_python_docx(alice: Any) -> None:
    body = download(alice, find(alice, "Signed contract with Acme.docx")["id"])
    paragraphs = [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]
    assert "12. Termination" in paragraphs


def test_chunked_downloads_use_ranges_and_reassemble_the_file(alice: Any) -> None:
    report = find(alice, "Annual report 2025.pdf")
    whole = download(alice, report["id"])
    assert download(alice, report["id"], chunksize=4096) == whole
    pages = PdfReader(io.BytesIO(whole)).pages
    assert len(pages) == 50 and "page 50" in pages[49].extract_text()


def test_the_scanned_invoice_is_an_image_only_pdf(alice: Any) -> None:
    reader = PdfReader(io.BytesIO(download(alice, find(alice, "Scanned invoice 0042.pdf")["id"])))
    assert reader.pages[0].extract_text().strip() == ""
    assert len(reader.pages[0].images) == 1


def test_every_binary_format_downloads_and_parses(alice: Any) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(download(alice, find(alice, "Q3 sales.xlsx")["id"])))
    assert sheet.active["A2"].value == "North"
    deck = pptx.Presentation(io.BytesIO(download(alice, find(alice, "Quarterly review.pptx")["id"])))
    assert deck.slides[0].shapes.title.text == "Quarterly review"
    rows = list(csv.reader(io.StringIO(download(alice, find(alice, "Customers.csv")["id"]).decode())))
    assert rows[1][0] == "Acme Corporation"
    assert b"<h1>Welcome</h1>" in download(alice, find(alice, "Landing page.html")["id"])
    assert download(alice, find(alice, "Office photo.png")["id"]).startswith(b"\x89PNG")
    assert b"Acme renewal" in download(alice, find(alice, "Team notes.txt")["id"])


def test_the_large_workbook_is_about_five_megabytes(alice: Any) -> None:
    big = find(alice, "Sales orders (large).xlsx")
    size = int(alice.files().get(fileId=big["id"], fields="size").execute()["size"])
    assert 4_500_000 < size < 8_000_000
    assert len(download(alice, big["id"])) == size


def test_google_docs_cannot_be_downloaded_only_exported(alice: Any) -> None:
    status, error = http_error(alice.files().get_media(fileId=find(alice, "Project Phoenix plan")["id"]))
    assert status == 403 and error["errors"][0]["reason"] == "fileNotDownloadable"
    status, error = http_error(alice.files().export(fileId=find(alice, "Team notes.txt")["id"], mimeType="text/plain"))
    assert status == 403 and error["errors"][0]["reason"] == "fileNotExportable"


def test_a_doc_exports_to_markdown_text_html_and_docx(alice: Any) -> None:
    assert export(alice, "Project Phoenix plan", "text/markdown").startswith(b"# Project Phoenix plan")
    text = export(alice, "Project Phoenix plan", "text/plain").decode("utf-8")
    assert text.startswith("\ufeffProject Phoenix plan") and "**" not in text
    assert b"<h2>Milestones</h2>" in export(alice, "Project Phoenix plan", "text/html")
    document = docx.Document(io.BytesIO(export(alice, "Project Phoenix plan", DOCX)))
    assert document.paragraphs[0].text == "Project Phoenix plan"


def test_a_sheet_exports_its_first_sheet_as_csv_and_every_sheet_as_xlsx(alice: Any) -> None:
    rows = list(csv.reader(io.StringIO(export(alice, "Budget 2026", "text/csv").decode())))
    assert rows[0] == ["Item", "Q1", "Q2", "Q3", "Q4"] and ["Currency", "EUR"] not in rows
    book = openpyxl.load_workbook(io.BytesIO(export(alice, "Budget 2026", XLSX)))
    assert book.sheetnames == ["Budget", "Assumptions"]


def test_slides_export_to_text_pptx_and_pdf(alice: Any) -> None:
    assert b"Timeline" in export(alice, "Phoenix kickoff", "text/plain")
    assert len(pptx.Presentation(io.BytesIO(export(alice, "Phoenix kickoff", PPTX))).slides) == 3
    assert len(PdfReader(io.BytesIO(export(alice, "Phoenix kickoff", "application/pdf"))).pages) == 3


def test_an_unsupported_export_type_is_400(alice: Any) -> None:
    status, error = http_error(alice.files().export(fileId=find(alice, "Budget 2026")["id"], mimeType=DOCX))
    assert status == 400 and error["errors"][0]["location"] == "mimeType"


def test_a_file_the_caller_cannot_see_is_404_not_found(alice: Any, bob: Any) -> None:
    secret = find(bob, "Travel itinerary.txt")
    status, error = http_error(alice.files().get(fileId=secret["id"]))
    assert status == 404
    assert error == {
        "code": 404,
        "message": f"File not found: {secret['id']}.",
        "status": "NOT_FOUND",
        "errors": [
            {
                "message": f"File not found: {secret['id']}.",
                "domain": "global",
                "reason": "notFound",
                "location": "fileId",
                "locationType": "parameter",
            }
        ],
    }


def test_anyone_with_the_link_can_read_a_link_shared_file_by_id(alice: Any, bob: Any) -> None:
    photo = find(alice, "Office photo.png")
    assert bob.files().get(fileId=photo["id"]).execute()["name"] == "Office photo.png"
    assert "Office photo.png" not in {f["name"] for f in bob.files().list(pageSize=1000).execute()["files"]}
