"""Storage-format XHTML parsed with expat so that every element and text run keeps its exact byte span.

HTML named entities (&nbsp; ...) are declared through a foreign DTD. A body expat cannot parse raises
``xml.parsers.expat.ExpatError``; callers show it read-only, so it is never damaged.
"""

from __future__ import annotations

import html.entities
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

BLOCK_TAGS = {
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
    "blockquote",
    "pre",
    "hr",
    "div",
    "ac:layout",
    "ac:layout-section",
    "ac:layout-cell",
    "ac:task-list",
    "ac:adf-extension",
    "section",
    "dl",
    "center",
    "figure",
    "ac:structured-macro",
    "ac:macro",
    "ac:image",
}
MACRO_ELEMENTS = ("ac:structured-macro", "ac:macro")

_ROOT_OPEN = b"<cf-root>"
_DTD = "".join(
    f'<!ENTITY {name} "&#{code};">'
    for name, code in html.entities.name2codepoint.items()
    if name not in ("amp", "lt", "gt", "quot", "apos")
).encode()


@dataclass
class Text:
    text: str
    start: int
    end: int = -1


@dataclass
class El:
    name: str
    attrs: dict[str, str]
    start: int
    inner_start: int
    inner_end: int = -1
    end: int = -1
    children: list[El | Text] = field(default_factory=list)

    def find(self, name: str) -> El | None:
        return next((c for c in self.children if isinstance(c, El) and c.name == name), None)

    def all(self, name: str) -> list[El]:
        return [c for c in self.children if isinstance(c, El) and c.name == name]

    def param(self, name: str) -> str:
        for c in self.children:
            if isinstance(c, El) and c.name == "ac:parameter" and c.attrs.get("ac:name") == name:
                return raw(c).strip()
        return ""


def _tag_end(src: bytes, start: int) -> int:
    """Index just after the `>` closing the tag that starts at `start` (quote aware)."""
    quote = 0
    for i in range(start + 1, len(src)):
        ch = src[i]
        if quote:
            if ch == quote:
                quote = 0
        elif ch in (0x22, 0x27):
            quote = ch
        elif ch == 0x3E:
            return i + 1
    return len(src)


def parse(storage: str) -> tuple[bytes, El]:
    """Parse a storage body; return (its UTF-8 bytes, a root element spanning all of it)."""
    src = storage.encode("utf-8")
    doc = _ROOT_OPEN + src + b"</cf-root>"
    shift = len(_ROOT_OPEN)
    parser = expat.ParserCreate("UTF-8")
    parser.buffer_text = True
    parser.UseForeignDTD(True)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_ALWAYS)

    def external(context, base, system_id, public_id):
        parser.ExternalEntityParserCreate(context).Parse(_DTD, True)
        return 1

    root = El("#root", {}, 0, 0, len(src), len(src))
    stack: list[El] = []

    def start(name, attrs):
        at = parser.CurrentByteIndex - shift
        if not stack:  # the wrapper root
            stack.append(root)
            return
        end_of_tag = _tag_end(src, at)
        element = El(name, attrs, at, end_of_tag)
        if src[end_of_tag - 2 : end_of_tag - 1] == b"/":
            element.inner_end = element.end = end_of_tag
        stack[-1].children.append(element)
        stack.append(element)

    def end(name):
        element = stack.pop()
        if element is root or element.end >= 0:
            return
        at = parser.CurrentByteIndex - shift
        element.inner_end, element.end = at, _tag_end(src, at)

    def data(text):
        at = parser.CurrentByteIndex - shift
        siblings = stack[-1].children
        if siblings and isinstance(siblings[-1], Text) and siblings[-1].end < 0:
            siblings[-1].text += text
        else:
            siblings.append(Text(text, at))

    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.Parse(doc, True)
    _close_texts(root)
    return src, root


def _close_texts(element: El) -> None:
    """Give each text run its end: where the next sibling starts, or the parent's content ends."""
    kids = element.children
    for i, node in enumerate(kids):
        if isinstance(node, Text):
            node.end = kids[i + 1].start if i + 1 < len(kids) else element.inner_end
        else:
            _close_texts(node)


def raw(node: El | Text) -> str:
    """All the text under a node, parameters included."""
    if isinstance(node, Text):
        return node.text
    return "".join(raw(c) for c in node.children)


def text_of(node: El | Text) -> str:
    """The readable text under a node (macro parameters and machine fields left out)."""
    if isinstance(node, Text):
        return node.text
    if node.name in (
        "ac:parameter",
        "ac:adf-attribute",
        "ac:adf-fallback",
        "ac:task-id",
        "ac:task-uuid",
        "ac:task-status",
        "ac:placeholder",
    ):
        return ""
    return "".join(text_of(c) for c in node.children)


def plain(node: El | Text) -> str:
    return " ".join(text_of(node).split())


def walk(node: El) -> Iterator[El]:
    """Every element under ``node``, in document order."""
    for child in node.children:
        if isinstance(child, El):
            yield child
            yield from walk(child)
