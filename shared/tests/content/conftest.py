"""Files are made once per session: the 5 MB workbook takes a few seconds to write."""

from __future__ import annotations

import pytest

from . import samples


@pytest.fixture(scope="session")
def big_workbook() -> bytes:
    return samples.big_workbook()


@pytest.fixture(scope="session")
def fifty_page_pdf() -> bytes:
    return samples.pdf_with_text(50)
