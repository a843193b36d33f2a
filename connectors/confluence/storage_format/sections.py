"""Section editing: replace or append to the markdown under one heading (headings in code do not count)."""

from __future__ import annotations

import re

from shared.errors import InvalidInput

from .markdown_text import PLACEHOLDER, fenced_lines

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _heading_text(text: str) -> str:
    return " ".join(re.sub(r"\\(.)", r"\1", text).split()).casefold()


def headings(markdown: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every ATX heading outside code fences."""
    lines = markdown.split("\n")
    in_code = fenced_lines(lines)
    found = []
    for index, line in enumerate(lines):
        match = None if index in in_code else _HEADING.match(line)
        if match:
            found.append((index, len(match.group(1)), match.group(2)))
    return found


def edit_section(markdown: str, heading: str, content: str, *, append: bool) -> str:
    """Replace (or append to) the content under one heading, up to the next heading of its level or above."""
    lines = markdown.split("\n")
    all_headings = headings(markdown)
    wanted = _heading_text(heading.lstrip("#").strip())
    matches = [h for h in all_headings if _heading_text(h[2]) == wanted]
    if not matches:
        names = ", ".join(f'"{h[2]}"' for h in all_headings[:20]) or "none"
        raise InvalidInput(f'No heading "{heading}" on this page. Headings: {names}.')
    if len(matches) > 1:
        raise InvalidInput(
            f'Several headings read "{heading}" (lines {", ".join(str(m[0] + 1) for m in matches)}); '
            "replace the whole body instead."
        )
    index, level, _ = matches[0]
    end, opened = len(lines), list[str]()
    in_code = fenced_lines(lines)
    for k in range(index + 1, len(lines)):
        line = lines[k]
        if k in in_code:
            continue
        marker = PLACEHOLDER.fullmatch(line.strip())
        if marker and marker.group(1) == "/":
            if marker.group(4) in opened:
                opened.remove(marker.group(4))
                continue
            end = k  # the container the heading sits in closes here
            break
        if (
            marker
            and k + 1 < len(lines)
            and any(lines[m].strip() == f"[[/{marker.group(2)} #{marker.group(4)}]]" for m in range(k + 1, len(lines)))
        ):
            opened.append(marker.group(4))
            continue
        heading_match = _HEADING.match(line)
        if heading_match and len(heading_match.group(1)) <= level and not opened:
            end = k
            break
    body = lines[index + 1 : end]
    content = content.strip("\n")
    if append:
        kept = "\n".join(body).rstrip("\n")
        new_body = (kept + "\n\n" + content) if kept.strip() else ("\n" + content)
    else:
        new_body = "\n" + content
    new_lines = lines[: index + 1] + new_body.split("\n") + ([""] if end < len(lines) else []) + lines[end:]
    return "\n".join(new_lines)
