"""Atlassian Document Format helpers: validation, ADF -> wiki markup / plain text / HTML, wiki -> ADF.

The store keeps rich text as ADF; v2 responses render it as wiki markup, v2 writes are parsed back.
"""

from __future__ import annotations

import html
import re
from typing import Any, TypeGuard, overload


class ADFError(ValueError):
    pass


def is_adf(value: object) -> TypeGuard[dict]:
    return isinstance(value, dict) and value.get("type") == "doc" and isinstance(value.get("content"), list)


def validate(value) -> dict:
    if not is_adf(value):
        raise ADFError("Operation value must be an Atlassian Document (see the Atlassian Document Format)")
    return value


# ---------------------------------------------------------------- builders (used by the seed)
def text(t: str, *marks) -> dict:
    node: dict[str, Any] = {"type": "text", "text": t}
    if marks:
        node["marks"] = list(marks)
    return node


def link(t: str, href: str) -> dict:
    return text(t, {"type": "link", "attrs": {"href": href}})


def para(*inline) -> dict:
    return {"type": "paragraph", "content": list(inline)}


def heading(level: int, t: str) -> dict:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(t)]}


def bullets(*items: str, ordered: bool = False) -> dict:
    return {
        "type": "orderedList" if ordered else "bulletList",
        "content": [{"type": "listItem", "content": [para(text(i))]} for i in items],
    }


def code(src: str, language: str = "") -> dict:
    node: dict[str, Any] = {"type": "codeBlock", "content": [text(src)]}
    if language:
        node["attrs"] = {"language": language}
    return node


def mention(account_id: str, name: str) -> dict:
    return {"type": "mention", "attrs": {"id": account_id, "text": "@" + name}}


def table(rows: list[list[str]]) -> dict:
    out = []
    for i, row in enumerate(rows):
        cell = "tableHeader" if i == 0 else "tableCell"
        out.append({"type": "tableRow", "content": [{"type": cell, "content": [para(text(c))]} for c in row]})
    return {"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "default"}, "content": out}


def doc(*blocks) -> dict:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def from_plain(s: str) -> dict:
    return doc(*[para(text(line)) if line else para() for line in s.split("\n")])


# ---------------------------------------------------------------- plain text
def to_text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    t = node.get("type")
    if t == "text":
        return node.get("text", "")
    if t == "mention":
        return node.get("attrs", {}).get("text", "")
    if t == "hardBreak":
        return "\n"
    parts = [to_text(c) for c in node.get("content", [])]
    sep = "" if t in ("paragraph", "heading") else "\n"
    return sep.join(parts)


# ---------------------------------------------------------------- wiki markup
_WIKI_MARKS = {
    "strong": ("*", "*"),
    "em": ("_", "_"),
    "code": ("{{", "}}"),
    "strike": ("-", "-"),
    "underline": ("+", "+"),
}


def _inline_wiki(nodes) -> str:
    out = []
    for n in nodes or []:
        t = n.get("type")
        if t == "text":
            s = n.get("text", "")
            href = None
            for m in n.get("marks", []):
                if m["type"] == "link":
                    href = m.get("attrs", {}).get("href")
                elif m["type"] in _WIKI_MARKS:
                    a, b = _WIKI_MARKS[m["type"]]
                    s = f"{a}{s}{b}"
            out.append(f"[{s}|{href}]" if href else s)
        elif t == "mention":
            out.append(f"[~accountid:{n['attrs']['id']}]")
        elif t == "hardBreak":
            out.append("\\\\\n")
        elif t == "inlineCard":
            out.append(f"[{n['attrs'].get('url')}]")
        else:
            out.append(_inline_wiki(n.get("content")))
    return "".join(out)


def _block_wiki(n, depth=0) -> str:
    t = n.get("type")
    if t == "paragraph":
        return _inline_wiki(n.get("content"))
    if t == "heading":
        return f"h{n.get('attrs', {}).get('level', 1)}. {_inline_wiki(n.get('content'))}"
    if t in ("bulletList", "orderedList"):
        sym = ("*" if t == "bulletList" else "#") * (depth + 1)
        lines = []
        for item in n.get("content", []):
            first = True
            for child in item.get("content", []):
                if child["type"] in ("bulletList", "orderedList"):
                    lines.append(_block_wiki(child, depth + 1))
                else:
                    lines.append(f"{sym} {_block_wiki(child)}" if first else _block_wiki(child))
                    first = False
        return "\n".join(lines)
    if t == "codeBlock":
        lang = (n.get("attrs") or {}).get("language")
        src = "".join(c.get("text", "") for c in n.get("content", []))
        return f"{{code{':' + lang if lang else ''}}}\n{src}\n{{code}}"
    if t == "blockquote":
        return "{quote}\n" + "\n".join(_block_wiki(c) for c in n.get("content", [])) + "\n{quote}"
    if t == "rule":
        return "----"
    if t == "table":
        rows = []
        for row in n.get("content", []):
            cells = row.get("content", [])
            if cells and cells[0]["type"] == "tableHeader":
                rows.append("||" + "||".join(_cell_wiki(c) for c in cells) + "||")
            else:
                rows.append("|" + "|".join(_cell_wiki(c) for c in cells) + "|")
        return "\n".join(rows)
    if t == "panel":
        return "{panel}\n" + "\n".join(_block_wiki(c) for c in n.get("content", [])) + "\n{panel}"
    return _inline_wiki(n.get("content"))


def _cell_wiki(cell) -> str:
    return " ".join(_block_wiki(c) for c in cell.get("content", []))


def to_wiki(d) -> str | None:
    if d is None:
        return None
    return "\n\n".join(_block_wiki(b) for b in d.get("content", []))


_INLINE = re.compile(
    r"\[~accountid:(?P<mention>[^\]]+)\]"
    r"|\[(?P<ltext>[^\]|]+)\|(?P<lhref>[^\]]+)\]"
    r"|\{\{(?P<code>.+?)\}\}"
    r"|(?<![\w*])\*(?P<strong>[^*\n]+)\*(?![\w*])"
    r"|(?<![\w_])_(?P<em>[^_\n]+)_(?![\w_])"
)


def _inline_adf(s: str, names: dict | None = None) -> list[dict]:
    out, pos = [], 0
    for m in _INLINE.finditer(s):
        if m.start() > pos:
            out.append(text(s[pos : m.start()]))
        if m.group("mention"):
            aid: str = m.group("mention")
            out.append(mention(aid, (names or {}).get(aid, aid)))
        elif m.group("ltext"):
            out.append(link(m.group("ltext"), m.group("lhref")))
        elif m.group("code"):
            out.append(text(m.group("code"), {"type": "code"}))
        elif m.group("strong"):
            out.append(text(m.group("strong"), {"type": "strong"}))
        elif m.group("em"):
            out.append(text(m.group("em"), {"type": "em"}))
        pos = m.end()
    if pos < len(s):
        out.append(text(s[pos:]))
    return out


@overload
def from_wiki(src: str, names: dict | None = None) -> dict: ...
@overload
def from_wiki(src: None, names: dict | None = None) -> None: ...
def from_wiki(src: str | None, names: dict | None = None) -> dict | None:
    """Parse the wiki-markup subset produced by :func:`to_wiki` (plus plain text) into ADF."""
    if src is None:
        return None
    lines = src.replace("\r\n", "\n").split("\n")
    blocks: list[dict] = []
    i = 0
    para_buf: list[str] = []

    def flush():
        if para_buf:
            blocks.append(para(*_inline_adf("\n".join(para_buf), names)))
            para_buf.clear()

    while i < len(lines):
        line = lines[i]
        m_code = re.match(r"^\{code(?::([\w+-]+))?\}\s*$", line)
        if m_code:
            flush()
            j = i + 1
            body = []
            while j < len(lines) and lines[j].strip() != "{code}":
                body.append(lines[j])
                j += 1
            blocks.append(code("\n".join(body), m_code.group(1) or ""))
            i = j + 1
            continue
        m_h = re.match(r"^h([1-6])\.\s+(.*)$", line)
        if m_h:
            flush()
            blocks.append(
                {"type": "heading", "attrs": {"level": int(m_h.group(1))}, "content": _inline_adf(m_h.group(2), names)}
            )
            i += 1
            continue
        m_l = re.match(r"^([*#])\s+(.*)$", line)
        if m_l:
            flush()
            sym = m_l.group(1)
            items = []
            while i < len(lines) and re.match(rf"^\{sym}\s+", lines[i]):
                items.append({"type": "listItem", "content": [para(*_inline_adf(lines[i][1:].strip(), names))]})
                i += 1
            blocks.append({"type": "bulletList" if sym == "*" else "orderedList", "content": items})
            continue
        if line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                row = lines[i]
                header = row.startswith("||")
                cells = [c.strip() for c in re.split(r"\|\|?", row.strip("|")) if True]
                ctype = "tableHeader" if header else "tableCell"
                rows.append(
                    {
                        "type": "tableRow",
                        "content": [{"type": ctype, "content": [para(*_inline_adf(c, names))]} for c in cells],
                    }
                )
                i += 1
            blocks.append(
                {"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "default"}, "content": rows}
            )
            continue
        if line.strip() == "----":
            flush()
            blocks.append({"type": "rule"})
            i += 1
            continue
        if not line.strip():
            flush()
        else:
            para_buf.append(line)
        i += 1
    flush()
    return doc(*blocks)


# ---------------------------------------------------------------- HTML (renderedFields)
def _inline_html(nodes) -> str:
    out = []
    for n in nodes or []:
        t = n.get("type")
        if t == "text":
            s = html.escape(n.get("text", ""))
            for m in n.get("marks", []):
                mt = m["type"]
                if mt == "link":
                    s = f'<a href="{html.escape(m["attrs"]["href"])}">{s}</a>'
                elif mt == "strong":
                    s = f"<b>{s}</b>"
                elif mt == "em":
                    s = f"<em>{s}</em>"
                elif mt == "code":
                    s = f"<tt>{s}</tt>"
            out.append(s)
        elif t == "mention":
            a = n["attrs"]
            out.append(f'<a class="user-hover" data-account-id="{a["id"]}">{html.escape(a.get("text", ""))}</a>')
        elif t == "hardBreak":
            out.append("<br/>")
        else:
            out.append(_inline_html(n.get("content")))
    return "".join(out)


def _block_html(n) -> str:
    t = n.get("type")
    c = n.get("content", [])
    if t == "paragraph":
        return f"<p>{_inline_html(c)}</p>"
    if t == "heading":
        lvl = n.get("attrs", {}).get("level", 1)
        return f"<h{lvl}>{_inline_html(c)}</h{lvl}>"
    if t in ("bulletList", "orderedList"):
        tag = "ul" if t == "bulletList" else "ol"
        return (
            f"<{tag}>"
            + "".join("<li>" + "".join(_block_html(x) for x in li.get("content", [])) + "</li>" for li in c)
            + f"</{tag}>"
        )
    if t == "codeBlock":
        return "<pre><code>" + html.escape("".join(x.get("text", "") for x in c)) + "</code></pre>"
    if t == "table":
        rows = []
        for r in c:
            cells = "".join(
                ("<th>" if x["type"] == "tableHeader" else "<td>")
                + "".join(_block_html(y) for y in x.get("content", []))
                + ("</th>" if x["type"] == "tableHeader" else "</td>")
                for x in r.get("content", [])
            )
            rows.append(f"<tr>{cells}</tr>")
        return "<table><tbody>" + "".join(rows) + "</tbody></table>"
    if t == "rule":
        return "<hr/>"
    if t == "blockquote":
        return "<blockquote>" + "".join(_block_html(x) for x in c) + "</blockquote>"
    return _inline_html(c)


def to_html(d) -> str | None:
    if d is None:
        return None
    return "".join(_block_html(b) for b in d.get("content", []))
