"""PPTX to markdown with python-pptx: one `## Slide N: title` section per slide, its text as bullets in reading
order (top to bottom, left to right), tables as markdown tables, and the speaker notes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator

import pptx
from pptx.exc import PackageNotFoundError
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.util import Emu

from .errors import UnreadableFile
from .model import Converted, Limits, Source
from .tables import render_table

_BLANK_RUNS = re.compile(r"\n{3,}")


def convert_pptx(data: bytes, source: Source, limits: Limits) -> Converted:
    try:
        presentation = pptx.Presentation(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableFile(
            f"{source.name} could not be read as a PowerPoint presentation: the file is damaged ({str(error)[:160]})."
        ) from None
    sections: list[str] = []
    notes: list[str] = []
    size = 0
    count = len(presentation.slides)
    for number, slide in enumerate(presentation.slides, 1):
        section = _slide(number, slide, limits, notes, source.name)
        if sections and size + len(section) > limits.max_chars:
            notes.append(f"{source.name}: slides {number}-{count} are not shown (over the size limit).")
            sections.append(f"[slides {number}-{count} not shown: the presentation is over the size limit]\n")
            break
        sections.append(section)
        size += len(section)
    if not sections:
        return Converted(f"_{source.name} has no slides._\n", notes)
    return Converted("\n".join(sections), notes)


def _slide(number: int, slide: object, limits: Limits, notes: list[str], name: str) -> str:
    title_shape = slide.shapes.title  # type: ignore[attr-defined]
    title = _one_line(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
    lines = [f"## Slide {number}: {title}" if title else f"## Slide {number}", ""]
    for shape in _reading_order(slide.shapes):  # type: ignore[attr-defined]
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        lines.extend(_shape_lines(shape, limits, notes, name))
    if slide.has_notes_slide:  # type: ignore[attr-defined]
        text = slide.notes_slide.notes_text_frame.text.strip()  # type: ignore[attr-defined]
        if text:
            lines += ["", "**Notes:** " + text.replace("\n", "\n\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).rstrip() + "\n"


def _reading_order(shapes: Iterable[BaseShape]) -> Iterator[BaseShape]:
    """Shapes sorted top to bottom, then left to right; groups are opened in place."""

    def position(shape: BaseShape) -> tuple[int, int]:
        return (int(shape.top or Emu(0)), int(shape.left or Emu(0)))

    for shape in sorted(shapes, key=position):
        if isinstance(shape, GroupShape):
            yield from _reading_order(shape.shapes)
        else:
            yield shape


def _shape_lines(shape: BaseShape, limits: Limits, notes: list[str], name: str) -> list[str]:
    if getattr(shape, "has_table", False):
        rows = ([cell.text for cell in row.cells] for row in shape.table.rows)  # type: ignore[attr-defined]
        table, cap = render_table(rows, limits)
        if cap:
            notes.append(f"{name}: a table was capped ({cap.strip('[]')}).")
            table += f"\n\n{cap}"
        return ["", table, ""]  # blank lines around a table; runs of them are collapsed below
    if getattr(shape, "has_chart", False):
        chart = shape.chart  # type: ignore[attr-defined]
        title = chart.chart_title.text_frame.text if chart.has_title and chart.chart_title.has_text_frame else ""
        return [f"- [chart{': ' + _one_line(title) if title else ''}]"]
    if _is_picture(shape):
        return ["- [image]"]
    if not shape.has_text_frame:
        return []
    lines = []
    for paragraph in shape.text_frame.paragraphs:  # type: ignore[attr-defined]
        text = _one_line(paragraph.text)
        if text:
            lines.append("  " * paragraph.level + f"- {text}")
    return lines


def _is_picture(shape: BaseShape) -> bool:
    try:
        return shape.shape_type is not None and "PICTURE" in str(shape.shape_type)
    except NotImplementedError:  # python-pptx cannot name some graphic frames (SmartArt, OLE objects)
        return False


def _one_line(text: str) -> str:
    return " ".join(text.split())
