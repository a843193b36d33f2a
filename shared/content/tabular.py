"""CSV and TSV: one markdown table, header from the first row, rows and columns capped with a note."""

from __future__ import annotations

import csv
import io

from .model import Converted, Limits, Source, prefaced
from .tables import render_table
from .text import decode


def convert_csv(data: bytes, source: Source, limits: Limits) -> Converted:
    return _convert(data, source, limits, delimiter=None)


def convert_tsv(data: bytes, source: Source, limits: Limits) -> Converted:
    return _convert(data, source, limits, delimiter="\t")


def _convert(data: bytes, source: Source, limits: Limits, delimiter: str | None) -> Converted:
    text, note = decode(data, source.mime)
    notes = [note] if note else []
    csv.field_size_limit(max(limits.max_bytes, 131072))  # one huge quoted cell is still within the file cap
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel_tab if delimiter == "\t" else _dialect(text)
    rows = (row for row in csv.reader(io.StringIO(text, newline=""), dialect) if any(field.strip() for field in row))
    try:
        table, cap = render_table(rows, limits)
    except csv.Error as error:
        notes.append(f"{source.name} is not well-formed CSV ({error}); it is shown as plain text.")
        return Converted(prefaced(text, notes), notes)
    if not table:
        return Converted(prefaced(f"_{source.name} is empty._\n", notes), notes)
    preface = list(notes)
    if cap:
        notes.append(f"{source.name}: {cap.strip('[]')}.")
        table += f"\n\n{cap}"
    return Converted(prefaced(table + "\n", preface), notes)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (European Excel), tab or pipe, guessed from the first lines; comma when unsure."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel
