"""Reading inline content: text, formatting, links, and placeholders for what markdown cannot say inline."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .fragments import ATOMIC, Fragment
from .markdown_text import escape_md, short_detail
from .tree import MACRO_ELEMENTS, El, Text, plain, text_of

FORMAT = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "del": "~~", "strike": "~~"}
TRANSPARENT = {
    "span",
    "u",
    "sub",
    "sup",
    "small",
    "big",
    "font",
    "ins",
    "mark",
    "ac:inline-comment-marker",
    "abbr",
    "cite",
    "q",
    "var",
    "kbd",
    "samp",
}


class InlineReader:
    """Storage format -> markdown: inline content, and the placeholders a read hands out."""

    def __init__(self, storage: str, people: Callable[[str], str] | None = None):
        self.storage = storage
        self.people = people or (lambda account_id: account_id)
        self.fragments: dict[int, Fragment] = {}
        self.reuse: dict[str, str] = {}
        self.src = b""

    def x(self, start: int, end: int) -> str:
        return self.src[start:end].decode("utf-8")

    def _new(self, kind: str, mode: str, xml: str, block: bool) -> Fragment:
        frag = Fragment(len(self.fragments) + 1, kind, mode, xml, block)
        self.fragments[frag.id] = frag
        return frag

    def atomic(self, node: El, kind: str, detail: str, *, block: bool) -> str:
        frag = self._new(re.sub(r"[^\w:.-]", "-", kind) or "element", ATOMIC, self.x(node.start, node.end), block)
        return frag.marker(short_detail(detail))

    # -- inline -------------------------------------------------------------------------------------
    def inline(self, nodes: list, atomic: bool = True) -> str:
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, Text):
                parts.append(escape_md(re.sub(r"\s+", " ", node.text)))
            elif isinstance(node, AsBlock):
                el = node.element
                kind = el.attrs.get("ac:name", el.name.replace("ac:", ""))
                parts.append(self.atomic(el, kind, plain(el)[:60] or self.macro_detail(el), block=True))
            else:
                parts.append(self.inline_element(node, atomic))
        return "".join(parts)

    def inline_element(self, node: El, atomic: bool) -> str:
        name = node.name
        if name in FORMAT:
            inner = self.inline(node.children, atomic)
            core = inner.strip()
            if not core:
                return inner
            lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
            return f"{lead}{FORMAT[name]}{core}{FORMAT[name]}{trail}"
        if name == "code":
            code = text_of(node)
            ticks = "`" * (max((len(r) for r in re.findall(r"`+", code)), default=0) + 1)
            pad = " " if code.startswith("`") or code.endswith("`") else ""
            return f"{ticks}{pad}{code}{pad}{ticks}" if code else ""
        if name == "a":
            inner = self.inline(node.children, atomic).strip() or escape_md(node.attrs.get("href", ""))
            href = node.attrs.get("href", "")
            if not href:
                return inner
            target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
            return f"[{inner}]({target})"
        if name == "br":
            return "\\\n"
        if name in TRANSPARENT:
            return self.inline(node.children, atomic)
        if not atomic:  # read-only renderings: text only, no placeholders
            return escape_md(self.readable(node))
        if name == "ac:link":
            return self.atomic(node, *self.link_parts(node), block=False)
        if name == "ac:emoticon":
            return self.atomic(
                node, "emoticon", node.attrs.get("ac:emoji-fallback") or node.attrs.get("ac:name", ""), block=False
            )
        if name == "time":
            return self.atomic(node, "date", node.attrs.get("datetime", ""), block=False)
        if name in MACRO_ELEMENTS:
            return self.atomic(node, node.attrs.get("ac:name", "macro"), self.macro_detail(node), block=False)
        if name == "ac:image":
            return self.atomic(node, "image", self.image_name(node), block=False)
        return self.atomic(node, name.replace("ac:", "").replace("ri:", ""), plain(node), block=False)

    def readable(self, node: El) -> str:
        if node.name == "ac:link":
            return " ".join(self.link_parts(node)[1:])
        if node.name == "time":
            return node.attrs.get("datetime", "")
        if node.name == "ac:emoticon":
            return node.attrs.get("ac:emoji-fallback", "")
        if node.name in MACRO_ELEMENTS:
            return self.macro_detail(node)
        return plain(node)

    def link_parts(self, node: El) -> tuple[str, str]:
        body = plain(node.find("ac:link-body") or node.find("ac:plain-text-link-body") or Text("", 0))
        for child in node.children:
            if not isinstance(child, El):
                continue
            if child.name == "ri:user":
                person = self.people(child.attrs.get("ri:account-id", child.attrs.get("ri:userkey", "")))
                return "mention", f"@{body or person}"
            if child.name in ("ri:page", "ri:blog-post"):
                return "page-link", body or child.attrs.get("ri:content-title", "")
            if child.name == "ri:attachment":
                return "attachment-link", body or child.attrs.get("ri:filename", "")
            if child.name == "ri:space":
                return "space-link", body or child.attrs.get("ri:space-key", "")
        return "link", body or node.attrs.get("ac:anchor", "")

    def image_name(self, node: El) -> str:
        for child in node.children:
            if isinstance(child, El) and child.name.startswith("ri:"):
                return child.attrs.get("ri:filename") or child.attrs.get("ri:value") or ""
        return ""

    def macro_detail(self, node: El) -> str:
        name = node.attrs.get("ac:name", "")
        if name == "jira":
            return node.param("key") or (f"jql: {node.param('jqlQuery')}" if node.param("jqlQuery") else "")
        if name == "status":
            title = node.param("title")
            colour = node.param("colour")
            return f"{title} ({colour.lower()})" if colour and title else title
        if name in ("anchor", "include", "excerpt-include"):
            return node.param("") or node.param("name")
        return node.param("title") or node.param("name") or node.param("diagramName")


@dataclass
class AsBlock:
    """A block element met inside a list item: shown as one placeholder."""

    element: El

    @property
    def start(self) -> int:
        return self.element.start

    @property
    def end(self) -> int:
        return self.element.end
