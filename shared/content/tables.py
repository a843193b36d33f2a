"""Markdown tables with visible caps: at most N rows and M columns, long cells clipped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from shared.shaping import cell

from .model import Limits


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: spreadsheet names for columns without a header."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def render_table(
    rows: Iterable[Sequence[object]],
    limits: Limits,
    *,
    total_rows: int | None = None,
    total_columns: int | None = None,
    count_rest: bool = True,
) -> tuple[str, str | None]:
    """The first row is the header. Returns (markdown, note) where note says what the caps left out.

    `total_rows` (header included) / `total_columns` are the sizes when the source declares them (spreadsheet
    dimensions); otherwise the rows past the cap are counted by reading on when `count_rest`, or reported as "more".
    """
    iterator: Iterator[Sequence[object]] = iter(rows)
    kept = [list(row) for row in islice(iterator, limits.max_table_rows + 1)]
    if not kept:
        return "", None
    more = next(iterator, None) is not None
    seen_rows = len(kept) - 1
    if more and count_rest:
        total_rows = len(kept) + 1 + sum(1 for _ in iterator)  # header and the row peeked at
    width = max(len(row) for row in kept)
    columns = min(width, limits.max_table_columns)
    header = [_clip(value, limits) or column_letter(i) for i, value in enumerate(_pad(kept[0], columns))]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * columns]
    lines += ["| " + " | ".join(_clip(value, limits) for value in _pad(row, columns)) + " |" for row in kept[1:]]
    return "\n".join(lines), _cap_note(seen_rows, more, total_rows, columns, max(width, total_columns or 0))


def _pad(row: Sequence[object], columns: int) -> list[object]:
    return list(row[:columns]) + [""] * (columns - len(row))


def _clip(value: object, limits: Limits) -> str:
    text = cell(value)
    return text if len(text) <= limits.max_cell_chars else text[: limits.max_cell_chars - 1] + "…"


def _cap_note(shown_rows: int, more: bool, total_rows: int | None, shown_columns: int, width: int) -> str | None:
    parts = []
    if more:
        of = f" of {total_rows - 1:,}" if total_rows and total_rows - 1 > shown_rows else ""
        parts.append(f"the first {shown_rows:,}{of} rows")
    if width > shown_columns:
        parts.append(f"the first {shown_columns} of {width} columns")
    if not parts:
        return None
    return f"[table capped: showing {' and '.join(parts)}]"
