"""Lossless Markdown <-> Atlassian Document Format (ADF) conversion.

Markdown is CommonMark + GFM tables + ``~~strike~~``, parsed with
markdown-it-py's token stream. Conventions for what plain Markdown can't say:

* Mention: ``[@Display Name](mention:<accountId>)`` -- an ordinary link whose
  href scheme is ``mention:``.
* Unknown/unsupported *block* node (panel, expand, mediaSingle, taskList, ...):
  a fenced block with info string ``adf`` holding the node's compact JSON on
  one line::

      ```adf
      {"type":"panel","attrs":{"panelType":"info"},"content":[...]}
      ```

* Unknown *inline* node (status, date, emoji, inlineCard, ...) and text carrying
  a mark Markdown can't express (underline, textColor, subsup, ...): an inline
  code span whose content is ``adf:`` + the node's compact JSON, e.g.
  ``adf:{"type":"status","attrs":{...}}``; adjacent ones share one span holding
  a JSON list (``adf:[{...},{...}]``). ``|`` in that JSON is written
  ``\\u007c`` so the span is safe inside table cells.
* Extra attributes Markdown has no syntax for (``localId``, table ``layout``,
  cell ``attrs: {}``, mention ``accessLevel``, a header-less table...) are kept
  in an HTML comment right before the top-level block::

      <!-- adf-patch:{"attrs":{"layout":"default"},"content":[...]} -->

  The patch mirrors the node: keys to set, ``"-"`` lists keys to drop, and
  ``content`` is a list of per-child patches (``null`` = unchanged).
* ``<!-- -->`` separates two adjacent lists/blockquotes of the same kind.
* Ordered lists: ``N.`` means ``attrs.order = N``; ``1)`` means no ``attrs``.
* Soft line breaks are ``"\\n"`` inside ADF text; hard breaks are ``\\`` + newline.

Every top-level block rendered to Markdown is re-parsed and compared with the
original; if it does not come back identical, it is retried with all styled
text as ``adf:`` spans, then with a patch, and finally emitted as an ``adf``
fence; the whole document is checked once more. So ``adf -> md -> adf`` is
exact by construction, at the cost of readability in rare edge cases.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

Node = dict[str, Any]

ADF_FENCE = "adf"
INLINE_PREFIX = "adf:"
PATCH_PREFIX = "<!-- adf-patch:"
COMMENT_END = " -->"
SEPARATOR = "<!-- -->"
MENTION_SCHEME = "mention:"
_GROUP = "\0group"  # internal pseudo node: several nodes in one adf: span

MARK_ORDER = ["link", "em", "strong", "strike", "code"]  # ADF schema rank order
DELIMS = {"em": "*", "strong": "**", "strike": "~~"}
LINK_ATTRS = {"href", "title"}
LIST_OK = {"paragraph", "bulletList", "orderedList", "codeBlock"}
QUOTE_OK = {"paragraph", "bulletList", "orderedList", "codeBlock"}
_ENTITY_LIKE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_ORDERED_START = re.compile(r"[0-9]{1,9}[.)]")


class _Unrepresentable(Exception):
    """Raised when a node cannot be written as plain Markdown in its context."""


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.normalizeLink = lambda url: url  # keep hrefs byte-exact (no %-encoding)
    return md


_MD = _parser()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------
# Markdown -> ADF
# --------------------------------------------------------------------------


def markdown_to_adf(markdown: str) -> dict:
    """Convert Markdown to an ADF ``doc`` node."""
    tokens = _MD.parse(markdown or "")
    content, _ = _parse_blocks(tokens, 0, None)
    return {"type": "doc", "version": 1, "content": content}


def _parse_blocks(tokens: list[Token], pos: int, stop: str | None) -> tuple[list[Node], int]:
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
                patch = _load_json(text[len(PATCH_PREFIX) : -len(COMMENT_END)])
                if patch is not None:
                    continue
            nodes.append(_paragraph([_text(tok.content.rstrip("\n"), [])]))
            continue
        node, pos = _parse_block(tokens, pos)
        if node is None:
            continue
        if isinstance(patch, dict):
            node = _apply_patch(node, patch)
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
        children, pos = _parse_blocks(tokens, pos + 1, "blockquote_close")
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
        children, pos = _parse_blocks(tokens, pos + 1, "list_item_close")
        children = _coerce(children, LIST_OK)
        if not children or children[0]["type"] != "paragraph":
            children.insert(0, {"type": "paragraph"})
        items.append({"type": "listItem", "content": children})
    node["content"] = items
    return node, pos + 1


def _parse_code(tok: Token) -> Node:
    info = tok.info.strip() if tok.type == "fence" else ""
    text = tok.content[:-1] if tok.content.endswith("\n") else tok.content
    if info == ADF_FENCE:
        node = _load_json(text)
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            return node
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
    out: list[Node] = []
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
            href = tok.attrGet("href") or ""
            if href.startswith(MENTION_SCHEME):
                node, i = _parse_mention(children, i, href[len(MENTION_SCHEME) :])
                out.append(node)
            else:
                marks.append(_link_mark(href, tok.attrGet("title")))
        elif kind == "image":
            out.append(_text(tok.content, marks + [_link_mark(tok.attrGet("src") or "", None)]))
        i += 1
    return _merge_texts([n for n in out if n], restored)


def _parse_code_span(content: str, marks: list[Node]) -> tuple[list[Node], bool]:
    """An ``adf:`` span holds one node or a list of adjacent nodes; True if it was one."""
    if content.startswith(INLINE_PREFIX):
        value = _load_json(content[len(INLINE_PREFIX) :])
        nodes = value if isinstance(value, list) else [value]
        if nodes and all(isinstance(n, dict) and isinstance(n.get("type"), str) for n in nodes):
            return nodes, True
    links = [m for m in marks if m["type"] == "link"]
    return [_text(content, links + [{"type": "code"}])], False


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


def _merge_texts(nodes: list[Node], frozen: set[int] = frozenset()) -> list[Node]:
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


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# Patches: attributes Markdown cannot carry
# --------------------------------------------------------------------------


def _make_patch(orig: Any, derived: Any) -> Any:
    """Patch turning ``derived`` into ``orig``; None if equal. Raises if text differs."""
    if orig == derived:
        return None
    if not (isinstance(orig, dict) and isinstance(derived, dict)):
        raise _Unrepresentable("shape differs")
    if orig.get("text") != derived.get("text"):
        raise _Unrepresentable("text differs")
    kinds = {orig.get("type"), derived.get("type")}
    if len(kinds) != 1 and kinds != {"tableHeader", "tableCell"}:
        raise _Unrepresentable("type differs")
    patch: dict[str, Any] = {}
    for key in orig.keys() | derived.keys():
        if orig.get(key, ...) == derived.get(key, ...):
            continue
        if key not in orig:
            patch.setdefault("-", []).append(key)
        elif key == "content" and _same_length_lists(orig[key], derived.get(key)):
            patch["content"] = [_make_patch(o, d) for o, d in zip(orig[key], derived[key])]
        elif key == "content" and (orig[key] or derived.get(key)):
            raise _Unrepresentable("content differs")  # only [] vs missing is patchable
        else:
            patch[key] = orig[key]
    if "-" in patch:
        patch["-"].sort()
    return patch


def _same_length_lists(a: Any, b: Any) -> bool:
    return isinstance(a, list) and isinstance(b, list) and len(a) == len(b)


def _apply_patch(node: Node, patch: dict) -> Node:
    out = {k: v for k, v in node.items() if k not in patch.get("-", [])}
    for key, value in patch.items():
        if key == "-":
            continue
        if key == "content" and _same_length_lists(value, out.get("content")):
            out["content"] = [
                _apply_patch(child, p) if isinstance(p, dict) else child
                for child, p in zip(out["content"], value)
            ]
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------
# ADF -> Markdown
# --------------------------------------------------------------------------


def adf_to_markdown(doc: dict | None) -> str:
    """Convert an ADF ``doc`` (or None) to Markdown."""
    if not doc or not doc.get("content"):
        return ""
    nodes = doc["content"]
    parts = [_top_level_block(node) for node in nodes]
    for _ in range(len(nodes)):  # blocks can interact (e.g. an unclosed fence)
        markdown = _join_blocks(nodes, parts) + "\n"
        bad = _first_mismatch(nodes, markdown_to_adf(markdown)["content"])
        if bad is None:
            return markdown
        parts[bad] = _fence(_dumps(nodes[bad]), ADF_FENCE)
    return _join_blocks(nodes, parts) + "\n"


def _first_mismatch(nodes: list[Node], derived: list[Node]) -> int | None:
    for i, node in enumerate(nodes):
        if i >= len(derived) or derived[i] != node:
            return i
    return None if len(derived) == len(nodes) else len(nodes) - 1


def _top_level_block(node: Node) -> str:
    """Render one top-level block, verified to parse back to exactly ``node``."""
    for safe in (False, True):
        try:
            text = _render_block(node, _Ctx(safe=safe))
        except _Unrepresentable:
            continue
        derived = markdown_to_adf(text)["content"]
        if derived == [node]:
            return text
        if len(derived) == 1:
            try:
                patch = _make_patch(node, derived[0])
            except _Unrepresentable:
                continue
            comment = PATCH_PREFIX + _dumps(patch).replace(">", "\\u003e") + COMMENT_END
            if markdown_to_adf(comment + "\n" + text)["content"] == [node]:
                return comment + "\n" + text
    return _fence(_dumps(node), ADF_FENCE)


class _Ctx:
    def __init__(self, safe: bool = False, in_table: bool = False, one_line: bool = False):
        self.safe = safe
        self.in_table = in_table
        self.one_line = one_line

    def inline(self, one_line: bool = False, in_table: bool = False) -> "_Ctx":
        return _Ctx(self.safe, in_table, one_line or in_table)


def _join_blocks(nodes: list[Node], parts: list[str]) -> str:
    out = ""
    for i, part in enumerate(parts):
        if i:
            same = nodes[i]["type"] == nodes[i - 1]["type"]
            if same and nodes[i]["type"] in ("bulletList", "orderedList", "blockquote"):
                out += "\n\n" + SEPARATOR
            out += "\n\n"
        out += part
    return out


def _render_blocks(nodes: list[Node], ctx: _Ctx) -> str:
    return _join_blocks(nodes, [_render_block(n, ctx) for n in nodes])


def _render_block(node: Node, ctx: _Ctx) -> str:
    renderer = _BLOCK_RENDERERS.get(node.get("type"))
    if renderer is None:
        return _fence(_dumps(node), ADF_FENCE)
    return renderer(node, ctx)


def _render_paragraph(node: Node, ctx: _Ctx) -> str:
    return _render_inline(node.get("content", []), ctx)


def _render_heading(node: Node, ctx: _Ctx) -> str:
    level = (node.get("attrs") or {}).get("level")
    if level not in range(1, 7):
        raise _Unrepresentable("heading level")
    text = _render_inline(node.get("content", []), ctx.inline(one_line=True))
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return "#" * level + (" " + text if text else "")


def _render_list(node: Node, ctx: _Ctx) -> str:
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


def _render_list_item(item: Node, ctx: _Ctx) -> str:
    children = item.get("content", [])
    out = ""
    for i, child in enumerate(children):
        text = _render_block(child, ctx)
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


def _render_blockquote(node: Node, ctx: _Ctx) -> str:
    body = _render_blocks(node.get("content", []), ctx)
    return "\n".join(">" + (" " + line if line else "") for line in body.split("\n"))


def _render_code_block(node: Node, ctx: _Ctx) -> str:
    texts = node.get("content", [])
    if any(t.get("type") != "text" or t.get("marks") for t in texts):
        raise _Unrepresentable("codeBlock content")
    language = (node.get("attrs") or {}).get("language") or ""
    return _fence("".join(t["text"] for t in texts), language)


def _fence(text: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text + info)), default=0)
    ticks = "`" * max(3, longest + 1)
    body = text + "\n" if text else ""
    return f"{ticks}{info}\n{body}{ticks}"


def _render_rule(node: Node, ctx: _Ctx) -> str:
    return "---"


def _render_table(node: Node, ctx: _Ctx) -> str:
    rows = node.get("content", [])
    if not rows:
        raise _Unrepresentable("empty table")
    width = len(rows[0].get("content", []))
    lines = []
    for i, row in enumerate(rows):
        cells = row.get("content", [])
        if len(cells) != width or width == 0:
            raise _Unrepresentable("ragged table")
        lines.append("| " + " | ".join(_render_cell(c, ctx) for c in cells) + " |")
        if i == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def _render_cell(cell: Node, ctx: _Ctx) -> str:
    content = cell.get("content", [])
    if len(content) != 1 or content[0].get("type") != "paragraph":
        raise _Unrepresentable("cell content")
    return _render_inline(content[0].get("content", []), ctx.inline(in_table=True))


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


# ---- inline ---------------------------------------------------------------


def _render_inline(nodes: list[Node], ctx: _Ctx) -> str:
    if nodes and nodes[-1].get("type") == "hardBreak":  # a trailing "\\" is literal text
        nodes = nodes[:-1] + [{"type": _GROUP, "nodes": nodes[-1:]}]
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


def _group_code_spans(nodes: list[Node], ctx: _Ctx) -> list[Node]:
    """Adjacent code spans would merge their backticks: put them in one ``adf:[...]`` span."""
    out: list[Node] = []
    run: list[Node] = []
    forced = False
    for node in nodes + [None]:  # None flushes the last run
        if node is not None and node["type"] == _GROUP:
            run.extend(node["nodes"])
            forced = True
            continue
        if node is not None and _is_bare_code_span(node, ctx):
            run.append(node)
            continue
        out.extend([{"type": _GROUP, "nodes": run}] if len(run) > 1 or forced else run)
        run, forced = [], False
        out.append(node)
    return out[:-1]


def _is_bare_code_span(node: Node, ctx: _Ctx) -> bool:
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


def _opening_order(marks: list[Node], nodes: list[Node], i: int, ctx: _Ctx) -> list[Node]:
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


def _markdown_marks(node: Node, ctx: _Ctx) -> list[Node]:
    """Marks written with Markdown syntax around ``node`` (code excluded)."""
    if node.get("type") != "text" or _needs_span(node, ctx):
        return []
    return [m for m in node.get("marks", []) if m["type"] != "code"]


def _needs_span(node: Node, ctx: _Ctx) -> bool:
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


def _render_inline_node(node: Node, ctx: _Ctx, at_start: bool, last: bool) -> str:
    kind = node.get("type")
    if kind == "text" and not _needs_span(node, ctx):
        if any(m["type"] == "code" for m in node.get("marks", [])):
            return _code_span(node["text"], ctx)
        return _escape_text(node["text"], ctx, at_start, last)
    if kind == "hardBreak" and _plain_hard_break(node, ctx):
        return "\\\n"
    if kind == _GROUP:
        group = node["nodes"] if len(node["nodes"]) > 1 else node["nodes"][0]
        return _code_span(INLINE_PREFIX + _dumps(group).replace("|", "\\u007c"), ctx)
    if kind == "mention" and _plain_mention(node):
        attrs = node["attrs"]
        label = _escape_text(attrs.get("text", ""), ctx, False, False) if attrs.get("text") else ""
        return "[" + label + "](" + _link_destination(MENTION_SCHEME + attrs["id"]) + ")"
    return _code_span(INLINE_PREFIX + _dumps(node).replace("|", "\\u007c"), ctx)


def _plain_hard_break(node: Node, ctx: _Ctx) -> bool:
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


def _code_span(text: str, ctx: _Ctx) -> str:
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
    return _ENTITY_LIKE.sub(lambda m: "\\" + m.group(0), text)


def _escape_text(text: str, ctx: _Ctx, at_start: bool, last: bool) -> str:
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


def _escape_line(line: str, ctx: _Ctx) -> str:
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
        elif ch == "&" and _ENTITY_LIKE.match(line, i):
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
    elif _ORDERED_START.match(stripped):
        end = _ORDERED_START.match(stripped).end()
        stripped = stripped[: end - 1] + "\\" + stripped[end - 1 :]
    return lead + stripped


def _protect_trailing_space(line: str) -> str:
    stripped = line.rstrip(" \t")
    tail = line[len(stripped) :]
    return stripped + tail.replace(" ", "&#32;").replace("\t", "&#9;")


# --------------------------------------------------------------------------
# ADF -> plain text
# --------------------------------------------------------------------------

def adf_to_text(doc: dict | None) -> str:
    """Plain text of an ADF document (for compact previews)."""
    if not doc:
        return ""
    return _plain(doc).strip()


def _plain(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return str(attrs.get("text") or "@" + str(attrs.get("id", "")))
    if kind == "tableRow":
        return " | ".join(_plain(c).strip() for c in node.get("content", [])) + "\n"
    children = node.get("content")
    if isinstance(children, list) and children:
        inner = "".join(_plain(c) for c in children)
        needs_newline = kind in _BLOCKISH and not inner.endswith("\n")
        return inner + "\n" if needs_newline else inner
    for key in ("text", "shortName", "url", "title"):
        if isinstance(attrs.get(key), str):
            return attrs[key]
    return ""


_BLOCKISH = {"paragraph", "heading", "codeBlock", "listItem", "taskItem", "decisionItem", "rule"}
