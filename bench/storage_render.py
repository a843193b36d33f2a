"""The storage section of docs/benchmarks.md, from `bench.storage.run_storage`'s report."""

from __future__ import annotations

from typing import Any

from .storage import summary

LABELS = {"google-drive": "Google Drive", "onedrive": "OneDrive"}
FILES = {"pdf": "50-page PDF (fpdf2)", "xlsx": "~5 MB XLSX (openpyxl)"}

Row = tuple[str, ...]


def _table(header: Row, rows: list[Row]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _ms(values: list[float]) -> str:
    s = summary(values)
    return f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f} ms"


def reading_rows(provider: str, report: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for kind, title in FILES.items():
        r, size = report[kind], report["sizes"][kind]
        label = f"{title}, {size / 1024:,.0f} KB"
        rows += [
            (
                LABELS[provider],
                label,
                "first page, cold: download + conversion",
                _ms(r["cold_s"]),
                f"{r['first_page_bytes']:,} B",
                f"{len(r['cold_s'])} copies with different bytes, each read once",
            ),
            (
                LABELS[provider],
                label,
                "first page again (**profits from caching**: converted text kept in memory)",
                _ms(r["again_s"]),
                f"{r['first_page_bytes']:,} B",
                f"{len(r['again_s'])} calls; the file is downloaded again each time, its conversion is reused",
            ),
            (
                LABELS[provider],
                label,
                f"whole file: {r['whole_calls']} calls through `next_cursor` (**profits from caching** after the "
                "first page)",
                f"{r['whole_s'] * 1000:,.0f} ms in all",
                f"{r['whole_bytes']:,} B in all",
                "the first copy, read after its cold read",
            ),
        ]
    return rows


def render_storage(reports: dict[str, Any]) -> list[str]:
    from .table_render import throughput_table

    rows = [row for provider, report in reports.items() for row in reading_rows(provider, report)]
    lines = [
        "## Storage (Google Drive, OneDrive)",
        "",
        "Method (`bench/storage.py`): per provider, its sandbox (`connectors sandbox google` over HTTP, `connectors "
        "sandbox microsoft` over HTTPS with its generated CA) and two `connectors serve storage` acting as Alice; the "
        "files are uploaded through the provider's own API first: 64 small notes (distinct keys for the throughput "
        "runs), then copies of a 50-page PDF (fpdf2) and a ~5 MB XLSX (openpyxl), each copy with its own bytes so "
        "that a first read is cold. The content pipeline keeps the first 500 rows of a sheet (and says so), hence "
        "the few pages of the spreadsheet.",
        "",
    ]
    lines += _table(
        ("Provider", "File", "`storage_read_file`", "p50 / p95", "bytes returned (response body)", "conditions"),
        rows,
    )
    lines += [
        "",
        "Concurrency 1, sandbox latency 0, throttles off; sizes are the raw `tools/call` response bodies (a page is "
        "at most the content pipeline's page of text plus the file's title, link and the cursor note).",
        "",
    ]
    for provider, report in reports.items():
        lines += [f"### {LABELS[provider]}: 32 clients, sandbox latency 50 ms", "", *throughput_table(report), ""]
    return lines
