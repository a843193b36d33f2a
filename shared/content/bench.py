"""Benchmark: `python -m shared.content.bench` prints what reading big files costs, as a stateless server does it.

Each call passes the file's bytes again (a server keeps no files between calls) and returns one page; "whole"
follows the cursors to the end, on one replica (the converted text is reused) and as if each call reached another
replica (converted every time). Files are generated on the fly by the libraries people's tools use
(fpdf2, openpyxl, python-docx, python-pptx), so this needs the test extras.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import anyio

from . import DEFAULT_PAGE_CHARS, memo, page, to_markdown
from .sniff import DOCX_MIME, PPTX_MIME, XLSX_MIME


def _cases(pdf_pages: int, xlsx_mb: float) -> list[tuple[str, str, Callable[[], bytes]]]:
    from shared.tests.content import samples  # fpdf2 and friends: test extras, imported only when benchmarking

    return [
        (f"{pdf_pages}-page PDF", "application/pdf", lambda: samples.pdf_with_text(pdf_pages)),
        (f"{xlsx_mb:g} MB XLSX", XLSX_MIME, lambda: samples.big_workbook(int(xlsx_mb * 1024 * 1024))),
        ("DOCX (headings, lists, table)", DOCX_MIME, samples.word_document),
        ("PPTX (3 slides, notes)", PPTX_MIME, samples.presentation),
    ]


async def _read(data: bytes, name: str, mime: str, page_chars: int, *, remember: bool) -> tuple[float, ...]:
    """(first page s, first page bytes, whole s, whole bytes, calls, document chars), following every cursor."""
    memo.forget_all()
    started = time.perf_counter()
    cursor: str | None = None
    first_time = 0.0
    first_bytes = total_bytes = calls = chars = 0
    while True:
        if not remember:
            memo.forget_all()  # as if every call reached another replica
        document = await to_markdown(data, name=name, mime=mime)
        result = page(document, cursor, page_chars)
        calls += 1
        total_bytes += len(result.markdown.encode())
        chars = result.total_chars
        if calls == 1:
            first_time, first_bytes = time.perf_counter() - started, total_bytes
        cursor = result.next_cursor
        if cursor is None:
            return first_time, first_bytes, time.perf_counter() - started, total_bytes, calls, chars


async def _main(pdf_pages: int, xlsx_mb: float, page_chars: int) -> None:
    warm = time.perf_counter()
    await to_markdown(b"warm up", name="warm.txt", mime="text/plain")
    print(f"worker process start (first conversion only): {time.perf_counter() - warm:.2f} s")
    print(f"page size {page_chars:,} characters; each call passes the file's bytes again, as a stateless server does")
    print("whole: every page through its cursor; 'same replica' reuses the converted text, 'other replicas' converts")
    print("on every call\n")
    print(
        "| file | input bytes | markdown chars | first page: s | first page: bytes | calls | whole, same replica: s "
        "| whole, other replicas: s | whole: bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, mime, make in _cases(pdf_pages, xlsx_mb):
        data = make()
        first_s, first_b, whole_s, whole_b, calls, chars = await _read(data, label, mime, page_chars, remember=True)
        cold_s = (await _read(data, label, mime, page_chars, remember=False))[2]
        print(
            f"| {label} | {len(data):,} | {chars:,} | {first_s:.2f} | {first_b:,} | {calls} | {whole_s:.2f} | "
            f"{cold_s:.2f} | {whole_b:,} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.content.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-pages", type=int, default=50)
    parser.add_argument("--xlsx-mb", type=float, default=5.0)
    parser.add_argument("--page-chars", type=int, default=DEFAULT_PAGE_CHARS)
    args = parser.parse_args()
    anyio.run(_main, args.pdf_pages, args.xlsx_mb, args.page_chars)


if __name__ == "__main__":  # the conversion worker re-imports __main__: nothing may run on import
    main()
