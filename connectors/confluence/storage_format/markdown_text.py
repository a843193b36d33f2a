"""Markdown text helpers shared by reading and writing: escaping, fences, placeholders, fenced lines."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_INLINE_ESCAPE = re.compile(r"([\\`*\[\]~|])")
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)](?=\s|$))")


def escape_md(text: str) -> str:
    text = _INLINE_ESCAPE.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY_LIKE.sub(r"\\&", text)
    return text.replace("<", "\\<")


def escape_line_start(text: str) -> str:
    match = _LINE_START.match(text)
    if not match:
        return text
    lead, mark = match.group(1), match.group(2)
    if mark[0].isdigit():
        return f"{lead}{mark[:-1]}\\{mark[-1]}{text[match.end() :]}"
    return f"{lead}\\{mark}{text[match.end() :]}"


def para(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(escape_line_start(line if i == 0 else line.lstrip()) for i, line in enumerate(lines))


def short_detail(text: str, limit: int = 80) -> str:
    text = " ".join(re.sub(r"[\[\]#]", " ", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fence(code: str, language: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code.rstrip(chr(10))}\n{ticks}"


PLACEHOLDER = re.compile(r"(?<!\\)\[\[(/?)([A-Za-z][\w:.-]*)((?: [^\[\]\n]*?)?) #(\d+)\]\]")
_FENCE_FINDER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def code_fences(lines: list[str]) -> list[tuple[int, int, bool]]:
    """(first line, line after the last, closed?) of every fenced code block, as markdown-it-py sees them."""
    spans = []
    for token in _FENCE_FINDER.parse("\n".join(lines)):
        if token.type == "fence" and token.map:
            start, end = token.map
            closing = lines[end - 1].strip().lstrip("> ") if end - 1 > start else ""
            closed = closing.startswith(token.markup) and set(closing) == {token.markup[0]}
            spans.append((start, end, closed))
    return spans


def fenced_lines(lines: list[str]) -> set[int]:
    """Indexes of the lines that belong to fenced code blocks (fences included)."""
    return {i for start, end, _ in code_fences(lines) for i in range(start, end)}


def code_lines(lines: list[str], first: int) -> dict[int, str]:
    """Lines from ``first`` on that are fenced code: index -> the opening line of a fence never closed, else ""."""
    code: dict[int, str] = {}
    for start, end, closed in code_fences(lines[first:]):
        opening = "" if closed else lines[first + start].strip()
        code.update(dict.fromkeys(range(first + start, first + end), opening))
    return code
