"""Control characters no upstream takes in text (Jira's ADF, Confluence's XML storage format, ...): found with
their position and refused with a clear message, before anything is sent."""

from __future__ import annotations

import re

from .errors import InvalidInput

# C0 controls except tab, line feed and carriage return; lone surrogates (not encodable); the two non-characters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMES = {0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed", 0x1B: "escape"}
_HOW = "Remove it: only tab, line feed and carriage return may appear among the control characters"


def describe(char: str) -> str:
    code = ord(char)
    name = _NAMES.get(code) or ("surrogate" if 0xD800 <= code <= 0xDFFF else "control character")
    return f"U+{code:04X} ({name})"


def reject_control_chars(markdown: str, what: str = "text") -> None:
    """InvalidInput naming the first control character of ``markdown``, its line and column, and how many there are."""
    match = CONTROL.search(markdown)
    if match is None:
        return
    line = markdown.count("\n", 0, match.start()) + 1
    column = match.start() - (markdown.rfind("\n", 0, match.start()) + 1) + 1
    count = len(CONTROL.findall(markdown))
    more = f" ({count - 1} more after it)" if count > 1 else ""
    raise InvalidInput(
        f"The {what} contains the control character {describe(match.group())} at line {line}, column {column}{more}. "
        f"{_HOW} (terminal colour codes, for example, must be stripped first)."
    )
