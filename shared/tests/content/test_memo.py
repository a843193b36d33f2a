"""Reading a file page by page converts it once: the same bytes give back the document already made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import content

from .converters_for_tests import COUNTING_MIME, count_calls

pytestmark = pytest.mark.anyio


@pytest.fixture
def counting() -> Iterator[None]:
    content.register(COUNTING_MIME, count_calls, kind="counting")
    yield
    content.unregister(COUNTING_MIME)


async def test_paging_through_a_file_converts_it_once(counting, tmp_path: Path):
    log = tmp_path / "calls"
    data = str(log).encode()
    first = content.page(await content.to_markdown(data, name="a.bin", mime=COUNTING_MIME), page_chars=1_000)
    second = content.page(
        await content.to_markdown(data, name="a.bin", mime=COUNTING_MIME), first.next_cursor, page_chars=1_000
    )
    assert second.start == len(first.text)
    assert log.read_text() == "converted\n"


async def test_other_bytes_or_another_name_are_converted_again(counting, tmp_path: Path):
    log = tmp_path / "calls"
    await content.to_markdown(str(log).encode(), name="a.bin", mime=COUNTING_MIME)
    await content.to_markdown(str(log).encode(), name="b.bin", mime=COUNTING_MIME)
    same_file_other_bytes = f"{tmp_path}/./calls".encode()
    await content.to_markdown(same_file_other_bytes, name="a.bin", mime=COUNTING_MIME)
    assert log.read_text() == "converted\n" * 3
