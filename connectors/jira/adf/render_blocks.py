"""ADF blocks -> Markdown: paragraphs, headings, lists, quotes, code, rules and tables."""

from __future__ import annotations

import re

from .render_inline import Ctx, render_inline
from .syntax import ADF_FENCE, SEPARATOR, Node, Unrepresentable, dumps


def join_blocks(nodes: list[Node], parts: list[str]) -> str:
    """Blocks one blank line apart; ``<!-- -->`` keeps two adjacent lists/quotes of one kind apart."""
    out = ""
    for i, part in enumerate(parts):
        if i:
            same = nodes[i]["type"] == nodes[i - 1]["type"]
            if same and nodes[i]["type"] in ("bulletList", "orderedList", "blockquote"):
                out += "\n\n" + SEPARATOR
            out += "\n\n"
        out += part
    return out


def render_blocks(nodes: list[Node], ctx: Ctx) -> str:
    return join_blocks(nodes, [render_block(n, ctx) for n in nodes])


def render_block(node: Node, ctx: Ctx) -> str:
    renderer = _BLOCK_RENDERERS.get(str(node.get("type")))
    if renderer is None:
        return fence(dumps(node), ADF_FENCE)
    return renderer(node, ctx)


def _render_paragraph(node: Node, ctx: Ctx) -> str:
    return render_inline(node.get("content", []), ctx)


def _render_heading(node: Node, ctx: Ctx) -> str:
    level = (node.get("attrs") or {}).get("level")
    if not isinstance(level, int) or level not in range(1, 7):
        raise Unrepresentable("heading level")
    text = render_inline(node.get("content", []), ctx.inline(one_line=True))
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return "#" * level + (" " + text if text else "")


def _render_list(node: Node, ctx: Ctx) -> str:
    ordered = node["type"] == "orderedList"
    attrs = node.get("attrs")
    number = int((attrs or {}).get("order", 1)) if ordered else 0
    delim = "." if attrs is not None else ")"
    lines = []
    for item in node.get("content", []):
        marker = f"{number}{delim} " if ordered else "- "
        body = _render_list_item(item, ctx)
        lines.append((marker + _indent(body, len(marker))).rstrip(" ") if body else marker.rstrip())
        number += 1
    return "\n".join(lines)


def _render_list_item(item: Node, ctx: Ctx) -> str:
    children = item.get("content", [])
    out = ""
    for i, child in enumerate(children):
        text = render_block(child, ctx)
        if i:
            out += _item_separator(children[i - 1], child)
        out += text
    return out


def _item_separator(prev: Node, child: Node) -> str:
    """Tight separator when the next block can safely interrupt a paragraph."""
    if prev["type"] != "paragraph" or not prev.get("content"):
        return "\n\n"
    if child["type"] == "codeBlock":
        return "\n"
    first_item = (child.get("content") or [{}])[0]
    starts_empty = not (first_item.get("content") or [{}])[0].get("content")
    if child["type"] == "bulletList" and not starts_empty:
        return "\n"
    if child["type"] == "orderedList" and not starts_empty:
        order = (child.get("attrs") or {}).get("order", 1)
        return "\n" if order == 1 else "\n\n"
    return "\n\n"


def _render_blockquote(node: Node, ctx: Ctx) -> str:
    body = render_blocks(node.get("content", []), ctx)
    return "\n".join(">" + (" " + line if line else "") for line in body.split("\n"))


def _render_code_block(node: Node, ctx: Ctx) -> str:
    texts = node.get("content", [])
    if any(t.get("type") != "text" or t.get("marks") for t in texts):
        raise Unrepresentable("codeBlock content")
    language = (node.get("attrs") or {}).get("language") or ""
    return fence("".join(t["text"] for t in texts), language)


def fence(text: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text + info)), default=0)
    ticks = "`" * max(3, longest + 1)
    body = text + "\n" if text else ""
    return f"{ticks}{info}\n{body}{ticks}"


def _render_rule(node: Node, ctx: Ctx) -> str:
    return "---"


def _render_table(node: Node, ctx: Ctx) -> str:
    rows = node.get("content", [])
    if not rows:
        raise Unrepresentable("empty table")
    width = len(rows[0].get("content", []))
    lines = []
    for i, row in enumerate(rows):
        cells = row.get("content", [])
        if len(cells) != width or width == 0:
            raise Unrepresentable("ragged table")
        lines.append("| " + " | ".join(_render_cell(c, ctx) for c in cells) + " |")
        if i == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def _render_cell(cell: Node, ctx: Ctx) -> str:
    content = cell.get("content", [])
    if len(content) != 1 or content[0].get("type") != "paragraph":
        raise Unrepresentable("cell content")
    return render_inline(content[0].get("content", []), ctx.inline(in_table=True))


_BLOCK_RENDERERS = {
    "paragraph": _render_paragraph,
    "heading": _render_heading,
    "bulletList": _render_list,
    "orderedList": _render_list,
    "blockquote": _render_blockquote,
    "codeBlock": _render_code_block,
    "rule": _render_rule,
    "table": _render_table,
}


def _indent(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join((pad + line if line and i else line) for i, line in enumerate(text.split("\n")))
