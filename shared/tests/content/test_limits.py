"""Bounds: size caps before and during download, table caps, character caps, ZIP bombs."""

from __future__ import annotations

import io
import zipfile

import pytest

from shared import content
from shared.content.sniff import XLSX_MIME
from shared.errors import InvalidInput

from . import samples

pytestmark = pytest.mark.anyio


def test_a_file_declared_over_the_cap_is_refused_before_download():
    limits = content.Limits(max_bytes=1024 * 1024)
    with pytest.raises(content.FileTooLarge) as refused:
        content.check_size(48 * 1024 * 1024, "application/pdf", name="annual.pdf", limits=limits)
    assert str(refused.value) == (
        "annual.pdf is 48.0 MB; files over 1.0 MB are not read as text here. Open it at its link, or ask for a "
        "smaller file."
    )
    assert isinstance(refused.value, InvalidInput)
    content.check_size(1024 * 1024, "application/pdf", name="ok.pdf", limits=limits)
    content.check_size(None, "application/pdf", name="unknown-size.pdf", limits=limits)
    content.check_size(10**10, "video/mp4", name="film.mp4", limits=limits)  # never downloaded: described instead
    assert content.DEFAULT_LIMITS.max_bytes == 20 * 1024 * 1024


async def test_bytes_over_the_cap_are_refused_even_when_the_declared_size_was_missing():
    limits = content.Limits(max_bytes=1_000)
    with pytest.raises(content.FileTooLarge, match="big.txt is 1000 KB; files over 1000 bytes"):
        await content.to_markdown(b"x" * 1_024_000, name="big.txt", mime="text/plain", limits=limits)


async def test_a_download_stream_stops_being_read_as_soon_as_it_passes_the_cap():
    read = []

    async def stream():
        for number in range(100):
            read.append(number)
            yield b"x" * 1_000

    with pytest.raises(content.FileTooLarge, match="huge.bin is over 4 KB"):
        await content.collect(stream(), name="huge.bin", limits=content.Limits(max_bytes=4_096))
    assert read == [0, 1, 2, 3, 4]
    assert await content.collect(stream(), name="small.bin") == b"x" * 100_000


async def test_a_large_csv_is_capped_in_rows_and_columns_with_a_visible_note():
    header = ",".join(f"c{n}" for n in range(50))
    rows = "\n".join(",".join(str(row * 100 + column) for column in range(50)) for row in range(1_200))
    document = await content.to_markdown(f"{header}\n{rows}\n".encode(), name="wide.csv", mime="text/csv")
    lines = document.markdown.splitlines()
    assert lines[0] == "| " + " | ".join(f"c{n}" for n in range(40)) + " |"
    assert len([line for line in lines if line.startswith("| ")]) == 1 + 500
    assert lines[-1] == "[table capped: showing the first 500 of 1,200 rows and the first 40 of 50 columns]"
    assert document.notes == (
        "wide.csv: table capped: showing the first 500 of 1,200 rows and the first 40 of 50 columns.",
    )


async def test_a_5_mb_workbook_shows_its_first_rows_and_says_the_rest_is_capped(big_workbook):
    assert len(big_workbook) >= 4_500_000
    document = await content.to_markdown(big_workbook, name="orders.xlsx", mime=XLSX_MIME)
    lines = document.markdown.splitlines()
    assert lines[:3] == [
        "## Sheet: Orders",
        "",
        "| order | customer | sku | quantity | price | discount | weight | margin |",
    ]
    assert lines[4].startswith("| 1 | Customer ") and lines[-3].startswith("| 500 | Customer ")
    assert lines[-1] == "[table capped: showing the first 500 rows]"
    first = content.page(document)
    assert first.next_cursor is not None and len(first.text) <= content.DEFAULT_PAGE_CHARS


async def test_a_sheet_that_declares_its_size_is_capped_with_its_real_row_count():
    rows = [["id", "label"]] + [[number, f"row {number}"] for number in range(1, 1_201)]
    document = await content.to_markdown(samples.workbook({"Log": rows}), name="log.xlsx", mime=XLSX_MIME)
    assert document.markdown.splitlines()[-3] == "| 500 | row 500 |"
    assert document.markdown.endswith("\n\n[table capped: showing the first 500 of 1,200 rows]\n")


async def test_a_document_over_the_character_cap_is_cut_at_a_line_with_a_note():
    limits = content.Limits(max_chars=1_000)
    document = await content.to_markdown(b"0123456789\n" * 500, name="long.txt", mime="text/plain", limits=limits)
    kept, note = document.markdown[:990], document.markdown[990:]
    assert kept == "0123456789\n" * 90
    assert note == "\n[conversion stopped: 4,510 more characters of long.txt are over the size limit]\n"
    assert document.notes == ("long.txt: only the first 990 characters are kept; 4,510 more are not readable here.",)


async def test_a_long_pdf_stops_extracting_at_the_character_cap_and_names_the_pages_left(fifty_page_pdf):
    limits = content.Limits(max_chars=5_000)
    document = await content.to_markdown(fifty_page_pdf, name="contract.pdf", mime="application/pdf", limits=limits)
    assert "--- page 3 of 50 ---" in document.markdown and "--- page 4 of 50 ---" not in document.markdown
    assert document.markdown.endswith(
        f"{samples.clause(3, 20)}\n\n[pages 4-50 not converted: the document is over the size limit]\n"
    )
    assert document.notes == (
        (
            "contract.pdf: text extraction stopped after page 3 of 50 (the 5,000-character limit); pages 4-50 are "
            "not included."
        ),
    )


async def test_an_office_file_that_unpacks_past_the_limit_is_refused_unread():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\x00" * (3 * 1024 * 1024))
    limits = content.Limits(max_unpacked_bytes=2 * 1024 * 1024)
    with pytest.raises(content.FileTooLarge, match="bomb.xlsx unpacks to 3 MB, over the 2 MB limit"):
        await content.to_markdown(buffer.getvalue(), name="bomb.xlsx", mime=XLSX_MIME, limits=limits)
