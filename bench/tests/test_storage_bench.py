"""The storage rows run end to end at a tiny scale (each sandbox and server a subprocess, as in the real run) and
render; they check that the bench works and keeps its promises (distinct keys, labelled caching), never its speed.

.venv/bin/python -m pytest bench/tests -q
"""

from __future__ import annotations

import argparse
import io
from contextlib import ExitStack
from pathlib import Path

import anyio
from pypdf import PdfReader

from bench.storage import note_reader, note_search, run_storage
from bench.storage_fixture import NOTES, Site, fifty_page_pdf
from bench.storage_render import render_storage


def test_throughput_calls_never_repeat_within_the_notes() -> None:
    site = Site("google-drive", None, None, None, notes=[f"gdrive:{n}" for n in range(NOTES)])  # type: ignore[arg-type]
    reader = note_reader(site)
    for make in (note_search, reader):
        window = [make(i).args for i in range(NOTES)]
        assert len({str(args) for args in window}) == NOTES > 32
    assert note_search(NOTES).args == note_search(0).args  # then the notes come round again


def test_every_pdf_copy_has_its_own_bytes_and_fifty_pages_of_text() -> None:
    first, second = fifty_page_pdf(0), fifty_page_pdf(1)
    pages = PdfReader(io.BytesIO(first)).pages
    assert first != second and len(pages) == 50
    assert "page 50 of 50" in pages[49].extract_text()


def test_the_storage_rows_run_on_both_providers_and_render(tmp_path: Path) -> None:
    args = argparse.Namespace(
        calls=1,
        concurrency=2,
        max_calls=6,
        duration=2.0,
        load_latency_ms=0,
        storage_copies=1,
        storage_xlsx_mb=0.3,
    )
    with ExitStack() as stack:
        reports = anyio.run(run_storage, args, tmp_path, stack)
    assert set(reports) == {"google-drive", "onedrive"}
    for report in reports.values():
        loads = report["loads"]
        assert [(setting, r.errors) for setting, _, r, _ in loads] == [
            ("default settings", 0),
            ("default settings", 0),
            ("throttles off", 0),
            ("throttles off", 0),
        ]
        assert all(r.calls > 0 and r.upstream_per_call >= 1 for _, _, r, _ in loads)
        for kind in ("pdf", "xlsx"):
            assert report[kind]["whole_calls"] >= 1 and report[kind]["first_page_bytes"] > 1000
            assert len(report[kind]["cold_s"]) == 1 and len(report[kind]["again_s"]) == 1
    text = "\n".join(render_storage(reports))
    assert "| Google Drive | 50-page PDF" in text and "| OneDrive | ~5 MB XLSX" in text
    assert text.count("**profits from caching**") == 8  # two cached rows per file and provider, labelled
    assert "### OneDrive: 32 clients, sandbox latency 50 ms" in text
