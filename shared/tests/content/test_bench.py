"""The benchmark command runs (no timing is asserted) and, started with `python -m`, still converts files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_benchmark_prints_one_row_per_file_when_run_as_a_module():
    # `python -m` with relative imports is how the servers start (`python -m shared.cli`): a worker that re-ran the
    # parent's __main__ file (as anyio.to_process does) would fail here on every conversion.
    done = subprocess.run(
        [sys.executable, "-m", "shared.content.bench", "--pdf-pages", "3", "--xlsx-mb", "0.05", "--page-chars", "2000"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| file")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| 3-page PDF",
        "| 0.05 MB XLSX",
        "| DOCX (headings, lists, table)",
        "| PPTX (3 slides, notes)",
    ]
    assert all(int(row.split(" | ")[5]) >= 1 for row in rows)  # calls needed to read the whole file
    assert all(len(row.split(" | ")) == 9 for row in rows)
