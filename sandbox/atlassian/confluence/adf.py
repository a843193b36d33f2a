"""Storage format → ``atlas_doc_format`` (ADF) and a crude ``view`` rendering.

Good enough for clients that ask for ADF: paragraphs, headings, lists, tables, marks, links, mentions,
code/panel/status/expand macros, Jira macros (inline cards), task lists, decision lists, layouts; any other macro
becomes an ``extension`` node carrying its parameters (as Confluence does for macros without an ADF equivalent).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

VOID = {
    "br",
    "hr",
    "img",
    "ri:user",
    "ri:page",
    "ri:attachment",
    "ri:url",
    "ri:space",
    "time",
    "ac:emoticon",
    "ac:placeholder",
    "col",
}


@dataclass
class El:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find(self, tag: str):
        for c in self.children:
            if isinstance(c, El):
                if c.tag == tag:
                    return c
                f = c.find(tag)
                if f is not None:
                    return f
        return None

    def kids(self, tag: str | None = None) -> list[El]:
        return [c for c in self.children if isinstance(c, El) and (tag is None or c.tag == tag)]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = El("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        el = El(tag, dict(attrs))
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(El(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def unknown_decl(self, data):
        if data.startswith("CDATA["):
            self.stack[-1].children.append(data[6:])


def parse(storage: str) -> El:
    b = _Builder()
    b.feed(storage)
    b.close()
    return b.root


def _params(el: El) -> dict:
    return {p.attrs.get("ac:name", ""): p.text() for p in el.kids("ac:parameter")}


_MARKS = {
    "strong": "strong",
    "b": "strong",
    "em": "em",
    "i": "em",
    "u": "underline",
    "s": "strike",
    "del": "strike",
    "code": "code",
    "sub": "subsup",
    "sup": "subsup",
}
_BLOCKS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "pre",
    "blockquote",
    "hr",
    "ac:structured-macro",
    "ac:task-list",
    "ac:adf-extension",
    "ac:layout",
    "div",
    "ac:image",
}


class _Conv:
    def __init__(self, base: str):
        self.base = base

    # inline ------------------------------------------------------------
    def inline(self, nodes, marks=()) -> list:
        out: list[dict[str, Any]] = []
        for n in nodes:
            if isinstance(n, str):
                if n:
                    t: dict[str, Any] = {"type": "text", "text": n}
                    if marks:
                        t["marks"] = [dict(m) for m in marks]
                    out.append(t)
                continue
            tag = n.tag
            if tag in _MARKS:
                m: dict[str, Any] = {"type": _MARKS[tag]}
                if tag in ("sub", "sup"):
                    m["attrs"] = {"type": tag}
                out += self.inline(n.children, marks + (m,))
            elif tag == "a":
                out += self.inline(n.children, marks + ({"type": "link", "attrs": {"href": n.attrs.get("href", "")}},))
            elif tag == "br":
                out.append({"type": "hardBreak"})
            elif tag == "ac:link":
                user = n.find("ri:user")
                page = n.find("ri:page")
                if user is not None:
                    out.append(
                        {
                            "type": "mention",
                            "attrs": {"id": user.attrs.get("ri:account-id", ""), "text": "", "accessLevel": ""},
                        }
                    )
                elif page is not None:
                    title = page.attrs.get("ri:content-title", "")
                    out.append(
                        {
                            "type": "text",
                            "text": title,
                            "marks": [
                                {
                                    "type": "link",
                                    "attrs": {
                                        "href": f"{self.base}/display/{page.attrs.get('ri:space-key', '')}/"
                                        f"{title.replace(' ', '+')}"
                                    },
                                }
                            ],
                        }
                    )
                else:
                    out += self.inline(n.children, marks)
            elif tag == "time":
                out.append({"type": "date", "attrs": {"timestamp": n.attrs.get("datetime", "")}})
            elif tag == "ac:emoticon":
                out.append(
                    {
                        "type": "emoji",
                        "attrs": {
                            "shortName": n.attrs.get("ac:emoji-shortname", ":" + n.attrs.get("ac:name", "") + ":"),
                            "id": n.attrs.get("ac:emoji-id", ""),
                            "text": n.attrs.get("ac:emoji-fallback", ""),
                        },
                    }
                )
            elif tag == "ac:structured-macro":
                out.append(self.macro_inline(n))
            elif tag == "span":
                out += self.inline(n.children, marks)
            elif tag in ("ac:parameter",):
                continue
            else:
                out += self.inline(n.children, marks)
        return out

    def macro_inline(self, n: El) -> dict:
        name, params = n.attrs.get("ac:name", ""), _params(n)
        if name == "status":
            return {
                "type": "status",
                "attrs": {
                    "text": params.get("title", ""),
                    "color": params.get("colour", "neutral").lower(),
                    "localId": n.attrs.get("ac:local-id", ""),
                },
            }
        if name == "jira" and params.get("key"):
            return {"type": "inlineCard", "attrs": {"url": f"{self.base.rsplit('/wiki', 1)[0]}/browse/{params['key']}"}}
        return self.extension(n, inline=True)

    def extension(self, n: El, inline=False) -> dict:
        name, params = n.attrs.get("ac:name", ""), _params(n)
        body = n.find("ac:rich-text-body")
        node: dict[str, Any] = {
            "type": "inlineExtension" if inline else ("bodiedExtension" if body is not None else "extension"),
            "attrs": {
                "extensionType": "com.atlassian.confluence.macro.core",
                "extensionKey": name,
                "parameters": {
                    "macroParams": {k: {"value": v} for k, v in params.items()},
                    "macroMetadata": {
                        "macroId": {"value": n.attrs.get("ac:macro-id", "")},
                        "schemaVersion": {"value": n.attrs.get("ac:schema-version", "1")},
                        "title": name,
                    },
                },
                "localId": n.attrs.get("ac:local-id", ""),
            },
        }
        if body is not None and not inline:
            node["content"] = self.blocks(body.children) or [{"type": "paragraph", "content": []}]
        return node

    # block -------------------------------------------------------------
    def para(self, nodes) -> dict:
        return {"type": "paragraph", "content": self.inline(nodes)}

    def blocks(self, nodes) -> list:
        out: list[Any] = []
        pending: list[Any] = []

        def flush():
            if any(not (isinstance(x, str) and not x.strip()) for x in pending):
                out.append(self.para(pending[:]))
            pending.clear()

        for n in nodes:
            if (
                isinstance(n, El)
                and n.tag in _BLOCKS
                and not (n.tag == "ac:structured-macro" and n.attrs.get("ac:name") in ("status",))
            ):
                flush()
                b = self.block(n)
                if isinstance(b, list):
                    out += b
                elif b:
                    out.append(b)
            else:
                pending.append(n)
        flush()
        return out

    def block(self, n: El):
        tag = n.tag
        if tag == "p":
            return self.para(n.children)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return {"type": "heading", "attrs": {"level": int(tag[1])}, "content": self.inline(n.children)}
        if tag in ("ul", "ol"):
            items: list[dict[str, Any]] = [
                {"type": "listItem", "content": self.blocks(li.children) or [self.para([])]} for li in n.kids("li")
            ]
            return {"type": "bulletList" if tag == "ul" else "orderedList", "content": items}
        if tag == "table":
            rows = []
            for tr in (n.find("tbody") or n).kids("tr") or [
                r for r in n.children if isinstance(r, El) and r.tag == "tr"
            ]:
                cells: list[Any] = [
                    {
                        "type": "tableHeader" if c.tag == "th" else "tableCell",
                        "attrs": {},
                        "content": self.blocks(c.children) or [self.para([])],
                    }
                    for c in tr.kids()
                    if c.tag in ("td", "th")
                ]
                rows.append({"type": "tableRow", "content": cells})
            return {"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "default"}, "content": rows}
        if tag == "pre":
            return {"type": "codeBlock", "attrs": {}, "content": [{"type": "text", "text": n.text()}]}
        if tag == "blockquote":
            return {"type": "blockquote", "content": self.blocks(n.children)}
        if tag == "hr":
            return {"type": "rule"}
        if tag == "div":
            return self.blocks(n.children)
        if tag == "ac:image":
            att = n.find("ri:attachment")
            return {
                "type": "mediaSingle",
                "attrs": {"layout": n.attrs.get("ac:layout", "center")},
                "content": [
                    {
                        "type": "media",
                        "attrs": {
                            "type": "file",
                            "collection": "",
                            "id": "",
                            "alt": att.attrs.get("ri:filename", "") if att else "",
                        },
                    }
                ],
            }
        if tag == "ac:task-list":
            items = []
            for task in n.kids("ac:task"):
                st = task.find("ac:task-status")
                body = task.find("ac:task-body")
                items.append(
                    {
                        "type": "taskItem",
                        "attrs": {
                            "localId": (task.find("ac:task-id").text() if task.find("ac:task-id") else ""),
                            "state": "DONE" if st is not None and st.text() == "complete" else "TODO",
                        },
                        "content": self.inline(body.children if body else []),
                    }
                )
            return {"type": "taskList", "attrs": {"localId": ""}, "content": items}
        if tag == "ac:adf-extension":
            node = n.find("ac:adf-node")
            if node is not None and node.attrs.get("type") == "decision-list":
                items = []
                for it in node.kids("ac:adf-node"):
                    attrs = {a.attrs.get("key"): a.text() for a in it.kids("ac:adf-attribute")}
                    content = it.find("ac:adf-content")
                    items.append(
                        {
                            "type": "decisionItem",
                            "attrs": {"localId": attrs.get("local-id", ""), "state": attrs.get("state", "DECIDED")},
                            "content": self.inline(content.children if content else []),
                        }
                    )
                return {"type": "decisionList", "attrs": {"localId": ""}, "content": items}
            fb = n.find("ac:adf-fallback")
            return self.blocks(fb.children) if fb else None
        if tag == "ac:layout":
            out = []
            for sec in n.kids("ac:layout-section"):
                cells = sec.kids("ac:layout-cell")
                width = round(100 / max(1, len(cells)), 2)
                out.append(
                    {
                        "type": "layoutSection",
                        "content": [
                            {
                                "type": "layoutColumn",
                                "attrs": {"width": width},
                                "content": self.blocks(c.children) or [self.para([])],
                            }
                            for c in cells
                        ],
                    }
                )
            return out
        if tag == "ac:structured-macro":
            name, params = n.attrs.get("ac:name", ""), _params(n)
            if name == "code":
                body = n.find("ac:plain-text-body")
                return {
                    "type": "codeBlock",
                    "attrs": {"language": params.get("language", "")},
                    "content": [{"type": "text", "text": body.text() if body else ""}],
                }
            if name in ("info", "note", "warning", "tip", "panel"):
                kind = {"tip": "success", "note": "note", "warning": "warning", "info": "info", "panel": "info"}[name]
                body = n.find("ac:rich-text-body")
                return {
                    "type": "panel",
                    "attrs": {"panelType": "error" if name == "warning" else kind},
                    "content": self.blocks(body.children if body else []) or [self.para([])],
                }
            if name == "expand":
                body = n.find("ac:rich-text-body")
                return {
                    "type": "expand",
                    "attrs": {"title": params.get("title", "")},
                    "content": self.blocks(body.children if body else []) or [self.para([])],
                }
            if name == "jira" and params.get("key"):
                return {"type": "paragraph", "content": [self.macro_inline(n)]}
            return self.extension(n)
        return self.para(n.children)


@lru_cache(maxsize=256)
def to_adf(storage: str, base: str) -> str:
    root = parse(storage)
    doc = {"type": "doc", "version": 1, "content": _Conv(base).blocks(root.children)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


_AC = re.compile(r"</?(ac|ri):[^>]*>")
_PARAM = re.compile(
    r"<ac:parameter[^>]*>.*?</ac:parameter>|<ac:adf-fallback>.*?</ac:adf-fallback>"
    r"|<ac:adf-attribute[^>]*>.*?</ac:adf-attribute>|<ac:task-id>.*?</ac:task-id>|<ac:task-uuid>.*?</ac:task-uuid>"
    r"|<ac:task-status>.*?</ac:task-status>",
    re.S,
)


@lru_cache(maxsize=256)
def to_view(storage: str) -> str:
    """Very rough ``view`` (rendered HTML): macro markup removed, their text kept."""
    s = _PARAM.sub("", storage)
    s = re.sub(r"<!\[CDATA\[(.*?)\]\]>", lambda m: "<pre>" + m.group(1).replace("<", "&lt;") + "</pre>", s, flags=re.S)
    return _AC.sub("", s)
