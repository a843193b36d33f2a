"""List markers for DOCX paragraphs: `-` for bullets, the real number for numbered items ("3." not "1.").

Word keeps list membership in `w:numPr` (numbering id and level) on the paragraph or on its style, and the format
of each level (bullet, decimal, letter...) in the numbering part. Items are counted per list and level, as Word
counts them, so a clause can be cited by its number. Restarts and start values are not modelled.
"""

from __future__ import annotations

import re

from docx.document import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

_STYLE_LEVEL = re.compile(r"^list (?:bullet|number|continue)\s*(\d+)$", re.IGNORECASE)
_UNORDERED = {"bullet", "none"}


class ListMarkers:
    def __init__(self, document: Document) -> None:
        self._formats = _level_formats(document)
        self._counts: dict[str, list[int]] = {}

    def marker(self, paragraph: Paragraph) -> tuple[int, str] | None:
        """(nesting level, marker) for a list item, None for any other paragraph."""
        found = _numbering(paragraph)
        if found is None:
            return None
        num_id, level = found
        # A level the list does not define takes the format of the nearest one above it.
        number_format = next(
            (self._formats[(num_id, up)] for up in range(level, -1, -1) if (num_id, up) in self._formats), None
        )
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if number_format is None:  # no numbering definition: trust the style's name
            number_format = "decimal" if "number" in style.lower() else "bullet"
        if number_format in _UNORDERED:
            return level, "-"
        counts = self._counts.setdefault(num_id, [0] * 9)
        counts[level] += 1
        counts[level + 1 :] = [0] * (8 - level)
        return level, f"{counts[level]}."


def _numbering(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numbering id, level) from the paragraph, else from its style chain; 'List Bullet 2' styles nest by name."""
    own = _num_pr(paragraph._p.pPr)
    style = paragraph.style
    inherited = None
    while inherited is None and style is not None:
        inherited = _num_pr(style.element.pPr)
        style = style.base_style
    num_id, level = own or inherited or (None, None)
    if num_id is None or num_id == "0":  # numId 0 switches numbering off
        return None
    if own is None or own[1] is None:
        match = _STYLE_LEVEL.match((paragraph.style.name if paragraph.style is not None else "") or "")
        level = int(match.group(1)) - 1 if match else level
    return num_id, min(level or 0, 8)


def _num_pr(p_pr: object) -> tuple[str | None, int | None] | None:
    num_pr = getattr(p_pr, "numPr", None) if p_pr is not None else None
    if num_pr is None:
        return None
    num_id = num_pr.numId.val if num_pr.numId is not None else None
    level = num_pr.ilvl.val if num_pr.ilvl is not None else None
    return (None if num_id is None else str(num_id)), (None if level is None else int(level))


def _level_formats(document: Document) -> dict[tuple[str, int], str]:
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: dict[str, dict[int, str]] = {}
    for definition in numbering.findall(qn("w:abstractNum")):
        levels = abstract.setdefault(definition.get(qn("w:abstractNumId")), {})
        for level in definition.findall(qn("w:lvl")):
            number_format = level.find(qn("w:numFmt"))
            if number_format is not None:
                levels[int(level.get(qn("w:ilvl"), "0"))] = number_format.get(qn("w:val"), "decimal")
    formats: dict[tuple[str, int], str] = {}
    for num in numbering.findall(qn("w:num")):
        reference = num.find(qn("w:abstractNumId"))
        if reference is None:
            continue
        for level, number_format in abstract.get(reference.get(qn("w:val")), {}).items():
            formats[(num.get(qn("w:numId")), level)] = number_format
    return formats
