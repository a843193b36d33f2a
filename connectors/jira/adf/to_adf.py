"""Markdown -> ADF, from markdown-it-py's token stream (CommonMark + GFM tables + ``~~strike~~``)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import cast

from markdown_it.token import Token

from shared.control_chars import reject_control_chars

from .patch import apply_patch
from .syntax import (
    ADF_FENCE,
    COMMENT_END,
    INLINE_PREFIX,
    MARK_ORDER,
    MENTION_SCHEME,
    PARSER,
    PATCH_PREFIX,
    SEPARATOR,
    Node,
    load_json,
)

LIST_OK = {"paragraph", "bulletList", "orderedList", "codeBlock"}
QUOTE_OK = {"paragraph", "bulletList", "orderedList", "codeBlock"}


def markdown_to_adf(markdown: str) -> dict:
    """Convert Markdown to an ADF ``doc`` node; InvalidInput if it holds a control character Jira rejects."""
    reject_control_chars(markdown or "")  # entities such as &#27; already become U+FFFD, as CommonMark says
    return {"type": "doc", "version": 1, "content": parse_markdown(markdown)}


def parse_markdown(markdown: str) -> list[Node]:
    """The top-level ADF blocks of ``markdown``, unchecked (the reader's round-trip check uses this)."""
    content, _ = parse_blocks(PARSER.parse(markdown or ""), 0, None)
    return content


def parse_blocks(tokens: list[Token], pos: int, stop: str | None) -> tuple[list[Node], int]:
    nodes: list[Node] = []
    patch = None
    while pos < len(tokens) and tokens[pos].type != stop:
        tok = tokens[pos]
        if tok.type == "html_block":
            text = tok.content.strip()
            pos += 1
            if text == SEPARATOR:
                continue
            if text.startswith(PATCH_PREFIX) and text.endswith(COMMENT_END):
                patch = load_json(text[len(PATCH_PREFIX) : -len(COMMENT_END)])
                if patch is not None:
                    continue
            nodes.append(_paragraph([cast(Node, _text(tok.content.rstrip("\n"), []))]))
            continue
        node, pos = _parse_block(tokens, pos)
        if node is None:
            continue
        if isinstance(patch, dict):
            node = apply_patch(node, patch)
        patch = None
        nodes.append(node)
    return nodes, pos + 1


def _parse_block(tokens: list[Token], pos: int) -> tuple[Node | None, int]:
    tok = tokens[pos]
    kind = tok.type
    if kind == "paragraph_open":
        return _paragraph(_parse_inline(tokens[pos + 1].children or [])), pos + 3
    if kind == "heading_open":
        content = _parse_inline(tokens[pos + 1].children or [])
        node = {"type": "heading", "attrs": {"level": int(tok.tag[1:])}}
        return _with_content(node, content), pos + 3
    if kind in ("bullet_list_open", "ordered_list_open"):
        return _parse_list(tokens, pos)
    if kind == "blockquote_open":
        children, pos = parse_blocks(tokens, pos + 1, "blockquote_close")
        return {"type": "blockquote", "content": _coerce(children, QUOTE_OK) or [{"type": "paragraph"}]}, pos
    if kind in ("fence", "code_block"):
        return _parse_code(tok), pos + 1
    if kind == "hr":
        return {"type": "rule"}, pos + 1
    if kind == "table_open":
        return _parse_table(tokens, pos)
    return None, pos + 1  # unknown token: skip


def _parse_list(tokens: list[Token], pos: int) -> tuple[Node, int]:
    tok = tokens[pos]
    close = tok.type.replace("_open", "_close")
    node: Node = {"type": "bulletList"}
    if tok.type == "ordered_list_open":
        start = int(tok.attrGet("start") or 1)
        node = {"type": "orderedList"}
        if tok.markup == "." or start != 1:
            node["attrs"] = {"order": start}
    items = []
    pos += 1
    while tokens[pos].type != close:
        children, pos = parse_blocks(tokens, pos + 1, "list_item_close")
        children = _coerce(children, LIST_OK)
        if not children or children[0]["type"] != "paragraph":
            children.insert(0, {"type": "paragraph"})
        items.append({"type": "listItem", "content": children})
    node["content"] = items
    return node, pos + 1


def _parse_code(tok: Token) -> Node:
    info = tok.info.strip() if tok.type == "fence" else ""
    text = tok.content.removesuffix("\n")
    if info == ADF_FENCE:
        loaded = load_json(text)
        if isinstance(loaded, dict) and isinstance(loaded.get("type"), str):
            return loaded
    node: Node = {"type": "codeBlock"}
    if info:
        node["attrs"] = {"language": info.split()[0]}
    if text:
        node["content"] = [{"type": "text", "text": text}]
    return node


def _parse_table(tokens: list[Token], pos: int) -> tuple[Node, int]:
    rows: list[Node] = []
    cells: list[Node] = []
    pos += 1
    while tokens[pos].type != "table_close":
        tok = tokens[pos]
        if tok.type == "tr_close":
            rows.append({"type": "tableRow", "content": cells})
            cells = []
        elif tok.type in ("th_open", "td_open"):
            content = _parse_inline(tokens[pos + 1].children or [])
            cell_type = "tableHeader" if tok.type == "th_open" else "tableCell"
            cells.append({"type": cell_type, "content": [_paragraph(content)]})
            pos += 2
        pos += 1
    return {"type": "table", "content": rows}, pos + 1


def _coerce(children: list[Node], allowed: set[str]) -> list[Node]:
    """Make Markdown-only nestings (heading in a list, ...) valid ADF."""
    out: list[Node] = []
    for child in children:
        kind = child["type"]
        if kind in allowed or kind not in ("heading", "blockquote", "rule", "table"):
            out.append(child)
        elif kind == "heading":
            out.append(_with_content({"type": "paragraph"}, child.get("content", [])))
        elif kind == "blockquote":
            out.extend(_coerce(child["content"], allowed))
        elif kind == "table":
            out.extend(_table_rows_as_paragraphs(child))
    return out


def _table_rows_as_paragraphs(table: Node) -> list[Node]:
    paragraphs = []
    for row in table["content"]:
        inline: list[Node] = []
        for i, cell in enumerate(row["content"]):
            if i:
                inline.append({"type": "text", "text": " | "})
            inline.extend(cell["content"][0].get("content", []))
        paragraphs.append(_paragraph(_merge_texts(inline)))
    return paragraphs


def _parse_inline(children: list[Token]) -> list[Node]:
    out: list[Node | None] = []
    marks: list[Node] = []
    restored: set[int] = set()  # ids of nodes restored from adf: spans (never merged)
    i = 0
    while i < len(children):
        tok = children[i]
        kind = tok.type
        if kind in ("text", "html_inline", "text_special"):
            out.append(_text(tok.content, marks))
        elif kind == "softbreak":
            out.append(_text("\n", marks))
        elif kind == "hardbreak":
            out.append({"type": "hardBreak"})
        elif kind == "code_inline":
            nodes, is_adf = _parse_code_span(tok.content, marks)
            if is_adf:
                restored.update(id(n) for n in nodes)
            out.extend(nodes)
        elif kind in ("strong_open", "em_open", "s_open"):
            marks.append({"type": {"s_open": "strike"}.get(kind, kind[:-5])})
        elif kind in ("strong_close", "em_close", "s_close", "link_close"):
            _pop_mark(marks, {"s_close": "strike", "link_close": "link"}.get(kind, kind[:-6]))
        elif kind == "link_open":
            href = str(tok.attrGet("href") or "")
            if href.startswith(MENTION_SCHEME):
                node, i = _parse_mention(children, i, href[len(MENTION_SCHEME) :])
                out.append(node)
            else:
                title = tok.attrGet("title")
                marks.append(_link_mark(href, None if title is None else str(title)))
        elif kind == "image":
            out.append(_text(tok.content, [*marks, _link_mark(str(tok.attrGet("src") or ""), None)]))
        i += 1
    return _merge_texts([n for n in out if n], restored)


def _parse_code_span(content: str, marks: list[Node]) -> tuple[list[Node], bool]:
    """An ``adf:`` span holds one node or a list of adjacent nodes; True if it was one."""
    if content.startswith(INLINE_PREFIX):
        value = load_json(content[len(INLINE_PREFIX) :])
        nodes = value if isinstance(value, list) else [value]
        if nodes and all(isinstance(n, dict) and isinstance(n.get("type"), str) for n in nodes):
            return nodes, True
    links = [m for m in marks if m["type"] == "link"]
    return [cast(Node, _text(content, [*links, {"type": "code"}]))], False


def _parse_mention(children: list[Token], i: int, account_id: str) -> tuple[Node, int]:
    label = []
    i += 1
    while children[i].type != "link_close":
        if children[i].type in ("text", "code_inline", "html_inline"):
            label.append(children[i].content)
        elif children[i].type == "softbreak":
            label.append(" ")
        i += 1
    attrs = {"id": account_id}
    if label:
        attrs["text"] = "".join(label)
    return {"type": "mention", "attrs": attrs}, i


def _link_mark(href: str, title: str | None) -> Node:
    attrs = {"href": href}
    if title:
        attrs["title"] = title
    return {"type": "link", "attrs": attrs}


def _pop_mark(marks: list[Node], kind: str) -> None:
    for j in range(len(marks) - 1, -1, -1):
        if marks[j]["type"] == kind:
            del marks[j]
            return


def _text(text: str, marks: list[Node]) -> Node | None:
    if not text:
        return None
    node: Node = {"type": "text", "text": text}
    unique: list[Node] = []
    for mark in marks:
        if mark not in unique:
            unique.append(mark)
    if unique:
        node["marks"] = sorted(unique, key=lambda m: MARK_ORDER.index(m["type"]))
    return node


def _merge_texts(nodes: list[Node], frozen: AbstractSet[int] = frozenset()) -> list[Node]:
    out: list[Node] = []
    prev_frozen = True
    for node in nodes:
        prev = out[-1] if out else None
        is_frozen = id(node) in frozen
        mergeable = not (is_frozen or prev_frozen)
        prev_frozen = is_frozen
        if (
            mergeable
            and prev is not None
            and node["type"] == prev["type"] == "text"
            and node.get("marks") == prev.get("marks")
        ):
            out[-1] = {**prev, "text": prev["text"] + node["text"]}
        else:
            out.append(node)
    return out


def _paragraph(content: list[Node]) -> Node:
    return _with_content({"type": "paragraph"}, content)


def _with_content(node: Node, content: list[Node]) -> Node:
    if content:
        node["content"] = content
    return node
