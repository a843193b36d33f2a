"""Files are made once per session: the 5 MB workbook takes a few seconds to write."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared import content
from shared.content import memo

from . import samples


@pytest.fixture(autouse=True)
async def workers_end_with_their_event_loop(anyio_backend: str) -> AsyncIterator[None]:
    """Each test has its own event loop and so its own workers: end them before the loop closes."""
    memo.forget_all()  # every test converts for real
    yield
    await content.close_workers()


@pytest.fixture(scope="session")
def big_workbook() -> bytes:
    return samples.big_workbook()


@pytest.fixture(scope="session")
def fifty_page_pdf() -> bytes:
    return samples.pdf_with_text(50)
