"""XLSX to markdown with openpyxl in read-only (streaming) mode: one `## Sheet: name` section per sheet, each a
table whose first row is the header, capped in rows and columns with a note giving the sheet's real size.

Cells show their last computed values (what Excel displays), not formulas. Only the capped rows are read, so a
large sheet costs little more than a small one.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from itertools import zip_longest

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from .errors import UnreadableFile
from .model import Converted, Limits, Source
from .tables import render_table


def _size_from_header(sheet: ReadOnlyWorksheet) -> None:
    """openpyxl looks for a sheet's <dimension> on *end* events, so a sheet without one (openpyxl's own write-only
    output) is parsed to its very end when the workbook opens: seconds for a 5 MB file. Start events stop at
    <sheetData>, with the same result."""
    source = sheet._get_source()
    try:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                boundaries = SheetDimension.from_tree(element).boundaries
                if boundaries is not None:
                    sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = boundaries
                return
            if element.tag == DATA_TAG:
                return
    finally:
        source.close()


ReadOnlyWorksheet._get_size = _size_from_header  # only the worker process that reads XLSX imports this module


def convert_xlsx(data: bytes, source: Source, limits: Limits) -> Converted:
    """Values as Excel last computed them; a formula never computed (a file written by a library) shows itself."""
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise UnreadableFile(
            f"{source.name} could not be read as an Excel workbook: the file is damaged ({str(error)[:160]})."
        ) from None
    try:
        return _sheets(values, formulas, source, limits)
    finally:
        values.close()
        formulas.close()


def _sheets(workbook: openpyxl.Workbook, formulas: openpyxl.Workbook, source: Source, limits: Limits) -> Converted:
    sections: list[str] = []
    notes: list[str] = []
    sheets = workbook.worksheets
    others = len(workbook.sheetnames) - len(sheets)
    for sheet, formula_sheet in zip(sheets[: limits.max_sheets], formulas.worksheets, strict=False):
        hidden = " (hidden)" if sheet.sheet_state != "visible" else ""
        table, cap = _sheet_table(sheet, formula_sheet, limits)
        body = table or "_(empty sheet)_"
        if cap:
            notes.append(f"{source.name}, sheet {sheet.title}: {cap.strip('[]')}.")
            body += f"\n\n{cap}"
        sections.append(f"## Sheet: {sheet.title}{hidden}\n\n{body}\n")
    if len(sheets) > limits.max_sheets:
        left = len(sheets) - limits.max_sheets
        notes.append(f"{source.name}: only the first {limits.max_sheets} of {len(sheets)} sheets are shown.")
        sections.append(f"[{left} more sheet(s) not shown: over the {limits.max_sheets}-sheet limit]\n")
    if others:
        notes.append(f"{source.name}: {others} chart sheet(s) have no cells to show.")
        sections.append(f"[{others} chart sheet(s) not shown: a chart has no cells]\n")
    if not sections:
        return Converted(f"_{source.name} has no sheets._\n", notes)
    return Converted("\n".join(sections), notes)


def _sheet_table(sheet: object, formula_sheet: object, limits: Limits) -> tuple[str, str | None]:
    declared_rows = getattr(sheet, "max_row", None)
    declared_columns = getattr(sheet, "max_column", None)
    for each in (sheet, formula_sheet):
        reset = getattr(each, "reset_dimensions", None)
        if reset is not None:
            reset()  # some writers declare a wrong size: read the cells as they are, not padded to it
    rows = _rows(
        sheet.iter_rows(values_only=True),  # type: ignore[attr-defined]
        formula_sheet.iter_rows(values_only=True),  # type: ignore[attr-defined]
    )
    return render_table(
        rows, limits, total_rows=declared_rows or None, total_columns=declared_columns or None, count_rest=False
    )


def _rows(raw: Iterator[tuple[object, ...]], formulas: Iterator[tuple[object, ...]]) -> Iterator[list[str]]:
    for row, formula_row in zip_longest(raw, formulas, fillvalue=()):
        cells = zip_longest(row, formula_row)
        values = [_value(value) if value is not None else _formula(formula) for value, formula in cells]
        while values and not values[-1]:
            values.pop()
        if values:
            yield values


def _formula(formula: object) -> str:
    """A formula with no cached value, shown as written ("=SUM(B2:B3)"); anything else is an empty cell."""
    text = getattr(formula, "text", formula)  # array formulas carry their text
    return text if isinstance(text, str) and text.startswith("=") else ""


def _value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    return str(value)
