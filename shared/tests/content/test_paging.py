"""Reading a long document page by page with opaque cursors: nothing lost, nothing repeated, misuse refused."""

from __future__ import annotations

import pytest

from shared import content
from shared.content.sniff import XLSX_MIME
from shared.errors import InvalidInput
from shared.shaping import encode_cursor

from . import samples

pytestmark = pytest.mark.anyio


async def test_reading_every_page_of_a_50_page_pdf_gives_back_the_whole_text(fifty_page_pdf):
    document = await content.to_markdown(fifty_page_pdf, name="contract.pdf", mime="application/pdf")
    pages, cursor = [], None
    while True:
        result = content.page(document, cursor, page_chars=4_000)
        pages.append(result)
        cursor = result.next_cursor
        if cursor is None:
            break
    assert "".join(page.text for page in pages) == document.markdown
    assert len(pages) > 10 and all(len(page.text) <= 4_000 for page in pages)
    assert all(page.text.endswith("\n") for page in pages)  # cut at line breaks, never mid-clause
    assert [page.truncated for page in pages] == [True] * (len(pages) - 1) + [False]
    assert pages[-1].markdown == pages[-1].context + pages[-1].text
    assert pages[-1].text.endswith(samples.clause(50, 20) + "\n")
    assert sum(page.text.startswith("--- page ") for page in pages) > len(pages) // 2  # cuts prefer page breaks


async def test_a_truncated_page_ends_with_a_note_saying_how_much_is_left_and_which_cursor_to_pass(fifty_page_pdf):
    document = await content.to_markdown(fifty_page_pdf, name="contract.pdf", mime="application/pdf")
    first = content.page(document, page_chars=content.DEFAULT_PAGE_CHARS)
    left = len(document.markdown) - len(first.text)
    assert first.total_chars == len(document.markdown) and first.remaining_chars == left
    assert first.markdown == first.text + (
        f"\n\n[truncated: {left:,} more characters of contract.pdf. "
        f"Call again with cursor={first.next_cursor} to read on.]"
    )


async def test_a_cursor_from_another_version_of_the_file_is_refused_with_a_way_forward():
    old = await content.to_markdown(b"a\n" * 2_000, name="notes.txt", mime="text/plain")
    new = await content.to_markdown(b"b\n" * 2_000, name="notes.txt", mime="text/plain")
    cursor = content.page(old, page_chars=1_000).next_cursor
    with pytest.raises(InvalidInput, match="another version of notes.txt .* without a cursor"):
        content.page(new, cursor)


async def test_a_cursor_that_is_not_ours_or_out_of_range_is_an_input_error():
    document = await content.to_markdown(b"x\n" * 2_000, name="notes.txt", mime="text/plain")
    with pytest.raises(InvalidInput, match="cursor is not valid"):
        content.page(document, "not-a-cursor")
    beyond = encode_cursor("content", {"o": 10**9, "f": document.fingerprint})
    with pytest.raises(InvalidInput, match="cursor is not valid for this file"):
        content.page(document, beyond)
    with pytest.raises(InvalidInput, match="page_chars must be at least 500"):
        content.page(document, page_chars=10)


async def test_a_short_document_is_one_page_without_a_cursor():
    document = await content.to_markdown(samples.workbook({"S": [["a"], [1]]}), name="s.xlsx", mime=XLSX_MIME)
    result = content.page(document)
    assert (result.text, result.next_cursor, result.truncated) == (document.markdown, None, False)


async def test_a_page_that_starts_inside_a_pdf_page_names_the_page_it_continues():
    document = await content.to_markdown(samples.pdf_with_text(5), name="terms.pdf", mime="application/pdf")
    first = content.page(document, page_chars=700)
    second = content.page(document, first.next_cursor, page_chars=700)
    assert second.text.startswith("Clause 1.")
    assert second.context == "[continued from: --- page 1 of 5 ---]\n"
    assert second.markdown.startswith(second.context + second.text)


async def test_a_page_that_starts_inside_a_table_repeats_its_header_under_its_section():
    rows = [["id", "label"]] + [[number, f"row {number}"] for number in range(1, 300)]
    document = await content.to_markdown(samples.workbook({"Log": rows}), name="log.xlsx", mime=XLSX_MIME)
    first = content.page(document, page_chars=1_000)
    second = content.page(document, first.next_cursor, page_chars=1_000)
    assert second.text.startswith("| ") and "| id | label |" not in second.text
    assert second.context == "[continued from: ## Sheet: Log]\n\n| id | label |\n|---|---|\n"
    assert "".join([first.text, second.text]) == document.markdown[: second.start + len(second.text)]


async def test_a_page_that_starts_at_a_section_needs_no_context():
    document = await content.to_markdown(samples.pdf_with_text(3, 2), name="t.pdf", mime="application/pdf")
    offset = document.markdown.index("--- page 2 of 3 ---")
    cursor = encode_cursor("content", {"o": offset, "f": document.fingerprint})
    assert content.page(document, cursor).context == ""
