"""ADF inline content -> Markdown: marks, links, mentions, ``adf:`` spans and the escaping that keeps text literal."""

from __future__ import annotations

import re

from .syntax import ENTITY_LIKE, GROUP, INLINE_PREFIX, MARK_ORDER, MENTION_SCHEME, Node, dumps

DELIMS = {"em": "*", "strong": "**", "strike": "~~"}
LINK_ATTRS = {"href", "title"}
_ORDERED_START = re.compile(r"[0-9]{1,9}[.)]")
_MAY_ESCAPE = re.compile(r"[\\`*\[\]<|_~!&]")  # every character _escape_line may escape


class Ctx:
    """Where inline content is rendered: ``safe`` writes all styled text as ``adf:`` spans."""

    def __init__(self, safe: bool = False, in_table: bool = False, one_line: bool = False):
        self.safe = safe
        self.in_table = in_table
        self.one_line = one_line

    def inline(self, one_line: bool = False, in_table: bool = False) -> Ctx:
        return Ctx(self.safe, in_table, one_line or in_table)


def render_inline(nodes: list[Node], ctx: Ctx) -> str:
    if nodes and nodes[-1].get("type") == "hardBreak":  # a trailing "\\" is literal text
        nodes = nodes[:-1] + [{"type": GROUP, "nodes": nodes[-1:]}]
    nodes = _group_code_spans(nodes, ctx)
    out: list[str] = []
    open_marks: list[Node] = []
    for i, node in enumerate(nodes):
        wanted = _markdown_marks(node, ctx)
        keep = _common_prefix(open_marks, wanted)
        for mark in reversed(open_marks[keep:]):
            out.append(_close_mark(mark))
        del open_marks[keep:]
        for mark in _opening_order([m for m in wanted if m not in open_marks], nodes, i, ctx):
            out.append(_open_mark(mark))
            open_marks.append(mark)
        at_start = not out or "".join(out).endswith("\n")
        last = i == len(nodes) - 1 and not open_marks
        out.append(_render_inline_node(node, ctx, at_start, last))
    out.extend(_close_mark(m) for m in reversed(open_marks))
    return _escape_image_bangs(out)


def _escape_image_bangs(pieces: list[str]) -> str:
    """A text ending in "!" followed by a link would read as an image: escape the "!"."""
    for i in range(1, len(pieces)):
        prev = pieces[i - 1]
        if pieces[i].startswith("[") and prev.endswith("!") and not prev.endswith("\\!"):
            pieces[i - 1] = prev[:-1] + "\\!"
    return "".join(pieces)


def _group_code_spans(nodes: list[Node], ctx: Ctx) -> list[Node]:
    """Adjacent code spans would merge their backticks: put them in one ``adf:[...]`` span."""
    out: list[Node] = []
    run: list[Node] = []
    forced = False
    for node in [*nodes, None]:  # None flushes the last run
        if node is None:
            out.extend([{"type": GROUP, "nodes": run}] if len(run) > 1 or forced else run)
            break
        if node["type"] == GROUP:
            run.extend(node["nodes"])
            forced = True
            continue
        if _is_bare_code_span(node, ctx):
            run.append(node)
            continue
        out.extend([{"type": GROUP, "nodes": run}] if len(run) > 1 or forced else run)
        run, forced = [], False
        out.append(node)
    return out


def _is_bare_code_span(node: Node, ctx: Ctx) -> bool:
    """True when ``node`` renders as a code span with nothing around it."""
    kind = node.get("type")
    if kind == "text":
        kinds = [m.get("type") for m in node.get("marks", [])]
        return _needs_span(node, ctx) or kinds == ["code"]
    if kind == "hardBreak":
        return not _plain_hard_break(node, ctx)
    return not (kind == "mention" and _plain_mention(node))


def _common_prefix(open_marks: list[Node], wanted: list[Node]) -> int:
    keep = 0
    while keep < len(open_marks) and open_marks[keep] in wanted:
        keep += 1
    return keep


def _opening_order(marks: list[Node], nodes: list[Node], i: int, ctx: Ctx) -> list[Node]:
    def run_length(mark: Node) -> int:
        n = 0
        for node in nodes[i:]:
            if mark not in _markdown_marks(node, ctx):
                break
            n += 1
        return n

    return sorted(marks, key=lambda m: (-run_length(m), MARK_ORDER.index(m["type"])))


def _open_mark(mark: Node) -> str:
    return "[" if mark["type"] == "link" else DELIMS[mark["type"]]


def _close_mark(mark: Node) -> str:
    if mark["type"] != "link":
        return DELIMS[mark["type"]]
    attrs = mark["attrs"]
    title = ""
    if "title" in attrs:
        title = ' "' + _escape_chars(attrs["title"], '\\"') + '"'
    return "](" + _link_destination(attrs["href"]) + title + ")"


def _markdown_marks(node: Node, ctx: Ctx) -> list[Node]:
    """Marks written with Markdown syntax around ``node`` (code excluded)."""
    if node.get("type") != "text" or _needs_span(node, ctx):
        return []
    return [m for m in node.get("marks", []) if m["type"] != "code"]


def _needs_span(node: Node, ctx: Ctx) -> bool:
    """True when a text node must be written as an ``adf:`` span."""
    text = node.get("text")
    marks = node.get("marks", [])
    if not isinstance(text, str) or not text or set(node) - {"type", "text", "marks"}:
        return True
    kinds = [m.get("type") for m in marks]
    if any(k not in MARK_ORDER for k in kinds) or len(set(kinds)) != len(kinds):
        return True
    if kinds != sorted(kinds, key=MARK_ORDER.index):
        return True
    if any(set(m) - {"type", "attrs"} or (m["type"] != "link" and "attrs" in m) for m in marks):
        return True
    if "link" in kinds and not _valid_link(marks[0]):
        return True
    if "code" in kinds:
        return set(kinds) - {"link", "code"} != set() or "\n" in text or text.startswith(INLINE_PREFIX)
    styled = set(kinds) - {"link"}
    if styled and (ctx.safe or text != text.strip()):
        return True
    return ctx.one_line and "\n" in text


def _valid_link(mark: Node) -> bool:
    attrs = mark.get("attrs")
    return (
        isinstance(attrs, dict)
        and set(attrs) <= LINK_ATTRS
        and isinstance(attrs.get("href"), str)
        and "\n" not in attrs["href"]
        and not attrs["href"].startswith(MENTION_SCHEME)
        and attrs.get("title", "x") != ""
    )


def _render_inline_node(node: Node, ctx: Ctx, at_start: bool, last: bool) -> str:
    kind = node.get("type")
    if kind == "text" and not _needs_span(node, ctx):
        if any(m["type"] == "code" for m in node.get("marks", [])):
            return _code_span(node["text"], ctx)
        return _escape_text(node["text"], ctx, at_start, last)
    if kind == "hardBreak" and _plain_hard_break(node, ctx):
        return "\\\n"
    if kind == GROUP:
        group = node["nodes"] if len(node["nodes"]) > 1 else node["nodes"][0]
        return _code_span(INLINE_PREFIX + dumps(group).replace("|", "\\u007c"), ctx)
    if kind == "mention" and _plain_mention(node):
        attrs = node["attrs"]
        label = _escape_text(attrs.get("text", ""), ctx, False, False) if attrs.get("text") else ""
        return "[" + label + "](" + _link_destination(MENTION_SCHEME + attrs["id"]) + ")"
    return _code_span(INLINE_PREFIX + dumps(node).replace("|", "\\u007c"), ctx)


def _plain_hard_break(node: Node, ctx: Ctx) -> bool:
    """``\\`` + newline works only between two pieces of inline content."""
    return set(node) == {"type"} and not ctx.one_line


def _plain_mention(node: Node) -> bool:
    attrs = node.get("attrs")
    return (
        set(node) == {"type", "attrs"}
        and isinstance(attrs, dict)
        and isinstance(attrs.get("id"), str)
        and "\n" not in attrs["id"]
        and isinstance(attrs.get("text", ""), str)
        and "\n" not in attrs.get("text", "")
    )


def _code_span(text: str, ctx: Ctx) -> str:
    if ctx.in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = text[0] == "`" or text[-1] == "`" or (text[0] == text[-1] == " " and text.strip(" "))
    return ticks + (f" {text} " if pad else text) + ticks


def _link_destination(href: str) -> str:
    if not href or any(ch.isspace() for ch in href):
        return "<" + _escape_chars(href, "\\<>") + ">"
    return _escape_chars(_escape_entities(href), "\\()<>")


def _escape_chars(text: str, chars: str) -> str:
    return "".join("\\" + ch if ch in chars else ch for ch in text)


def _escape_entities(text: str) -> str:
    return ENTITY_LIKE.sub(lambda m: "\\" + m.group(0), text)


def _escape_text(text: str, ctx: Ctx, at_start: bool, last: bool) -> str:
    lines = text.split("\n")
    out = []
    for n, line in enumerate(lines):
        escaped = _escape_line(line, ctx)
        if n or at_start:
            escaped = _escape_line_start(escaped)
        if n < len(lines) - 1 or last:
            escaped = _protect_trailing_space(escaped)
        out.append(escaped)
    return "\n".join(out)


def _escape_line(line: str, ctx: Ctx) -> str:
    if not _MAY_ESCAPE.search(line):
        return line  # the common case: nothing below applies
    out = []
    for i, ch in enumerate(line):
        prev = line[i - 1] if i else ""
        nxt = line[i + 1] if i + 1 < len(line) else ""
        if ch in "\\`*[]<|":
            out.append("\\" + ch)
        elif ch == "_" and not (prev.isalnum() and nxt.isalnum()):
            out.append("\\_")
        elif ch == "~" and prev in ("~", "") or ch == "~" and nxt in ("~", ""):
            out.append("\\~")  # a lone "~" inside text is safe; at an edge it may join "~~"
        elif ch == "!" and nxt == "[":
            out.append("\\!")  # "![" would start an image
        elif ch == "&" and ENTITY_LIKE.match(line, i):
            out.append("\\&")
        else:
            out.append(ch)
    return "".join(out)


def _escape_line_start(line: str) -> str:
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)]
    lead = lead.replace(" ", "&#32;").replace("\t", "&#9;")
    if stripped[:1] in ("#", ">", "-", "+", "="):
        stripped = "\\" + stripped
    elif ordered := _ORDERED_START.match(stripped):
        end = ordered.end()
        stripped = stripped[: end - 1] + "\\" + stripped[end - 1 :]
    return lead + stripped


def _protect_trailing_space(line: str) -> str:
    stripped = line.rstrip(" \t")
    tail = line[len(stripped) :]
    return stripped + tail.replace(" ", "&#32;").replace("\t", "&#9;")
