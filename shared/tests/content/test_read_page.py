"""read_page: what a file tool calls. It downloads only what it will read."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared import content
from shared.content.sniff import XLSX_MIME
from shared.errors import InvalidInput

from . import samples

pytestmark = pytest.mark.anyio


class Source:
    """A download that counts how often it was started, in both shapes a client library offers."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    async def whole(self) -> bytes:
        self.calls += 1
        return self.data

    async def chunks(self) -> AsyncIterator[bytes]:
        self.calls += 1
        for start in range(0, len(self.data), 1024):
            yield self.data[start : start + 1024]


async def test_a_file_is_downloaded_converted_and_paged_with_a_cursor_to_read_on():
    source = Source(samples.pdf_with_text(10))
    first = await content.read_page(source.whole, name="terms.pdf", mime="application/pdf", size=None, page_chars=2_000)
    assert first.text.startswith("--- page 1 of 10 ---\n") and first.next_cursor
    second = await content.read_page(
        source.chunks, name="terms.pdf", mime="application/pdf", size=len(source.data), cursor=first.next_cursor
    )
    assert second.start == len(first.text) and second.next_cursor is None
    assert source.calls == 2


async def test_an_image_is_described_without_downloading_it():
    source = Source(samples.png())
    result = await content.read_page(source.whole, name="logo.png", mime="image/png", size=70, link="https://x/logo")
    assert (
        result.markdown
        == "[logo.png (image/png, 70 bytes) is an image: it has no text to show here. Open it at https://x/logo.]\n"
    )
    assert source.calls == 0


async def test_a_file_over_the_cap_or_a_bad_cursor_is_refused_before_downloading():
    source = Source(samples.workbook({"S": [["a"]]}))
    with pytest.raises(content.FileTooLarge):
        await content.read_page(source.whole, name="big.xlsx", mime=XLSX_MIME, size=10**9)
    with pytest.raises(InvalidInput, match="cursor is not valid"):
        await content.read_page(source.whole, name="s.xlsx", mime=XLSX_MIME, size=10, cursor="garbage")
    assert source.calls == 0


async def test_a_stream_longer_than_the_cap_is_cut_off_while_downloading():
    source = Source(b"x" * 10_000)
    with pytest.raises(content.FileTooLarge, match="notes.txt is over 4 KB"):
        await content.read_page(
            source.chunks, name="notes.txt", mime="text/plain", size=None, limits=content.Limits(max_bytes=4_096)
        )
