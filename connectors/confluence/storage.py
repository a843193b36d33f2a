"""Confluence storage format (XHTML with ac:/ri: elements) <-> markdown, losslessly.

Reading (`read(storage)`) turns every block markdown can say (paragraphs, headings, lists, simple
tables, quotes, code blocks, rules, bold/italic/code/links) into markdown. Everything else stays
in the text as a readable *placeholder* that names what it is and carries a number:

- atomic, inline or on its own line: `[[jira SHOP-12 #3]]`, `[[status In progress #4]]`,
  `[[mention @Alice Martin #5]]`, `[[image diagram.png #6]]`, `[[toc #7]]`;
- a container whose content is ordinary page content (panels such as info/note/warning, expand,
  any macro with a rich-text body, layouts, layout sections and cells): an opening and a closing
  marker, each on its own line, with the content in between as live markdown that can be edited:
  `[[info Heads up #8]]` ... `[[/info #8]]`;
- a block markdown cannot say whose text still matters (task lists, decision lists, tables with
  merged cells or block content): `[[tasks (read-only) #9]]` ... `[[/tasks #9]]`, the text in
  between being a readable rendering that must be left as it is (or the whole block deleted).

Where the originals live: nowhere but in Confluence. The numbering is a pure function of the
storage text (document order), so at write time the server re-reads the page (it must anyway,
to check the version the caller read) and re-derives the same numbers and the exact original XML
of every placeholder from that version. Nothing is kept between calls, nothing is base64'd into
the text, and a placeholder costs a few tokens. A write that names a number the current version
does not have is refused, never guessed.

Writing back (`write(markdown, doc)`) is block-wise: every top-level markdown block that is
textually identical to a block of the version read is replaced by that block's exact original XML
(so untouched content, including formatting markdown cannot express, comes back byte for byte);
changed blocks are rendered with markdown-it-py, and placeholders inside them are substituted
with their original XML. Containers are put back with their exact original start and end XML
around their (possibly edited) content. Placeholders the caller removed are reported.

XHTML is parsed with expat (the stdlib XML parser) so that every element keeps its exact byte
span; HTML named entities (&nbsp; ...) are declared through a foreign DTD. A body expat cannot
parse is shown as one read-only block, so it is still never damaged.
"""

from __future__ import annotations

import html
import html.entities
import re
import xml.parsers.expat as expat
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from shared.errors import InvalidInput

# -- parsing ---------------------------------------------------------------------------------------

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
    children: list["El | Text"] = field(default_factory=list)

    def find(self, name: str) -> "El | None":
        return next((c for c in self.children if isinstance(c, El) and c.name == name), None)

    def all(self, name: str) -> list["El"]:
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
    if node.name in ("ac:parameter", "ac:adf-attribute", "ac:adf-fallback", "ac:task-id", "ac:task-uuid",
                     "ac:task-status", "ac:placeholder"):  # fmt: skip
        return ""
    return "".join(text_of(c) for c in node.children)


def plain(node: El | Text) -> str:
    return " ".join(text_of(node).split())


# -- markdown helpers ---------------------------------------------------------------------------------

_INLINE_ESCAPE = re.compile(r"([\\`*\[\]~|])")
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)](?=\s|$))")


def escape_md(text: str) -> str:
    text = _INLINE_ESCAPE.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY_LIKE.sub(r"\\&", text)
    return text.replace("<", "\\<")


def _escape_line_start(text: str) -> str:
    match = _LINE_START.match(text)
    if not match:
        return text
    lead, mark = match.group(1), match.group(2)
    if mark[0].isdigit():
        return f"{lead}{mark[:-1]}\\{mark[-1]}{text[match.end():]}"
    return f"{lead}\\{mark}{text[match.end():]}"


def _para(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(_escape_line_start(line if i == 0 else line.lstrip()) for i, line in enumerate(lines))


def _detail(text: str, limit: int = 80) -> str:
    text = " ".join(re.sub(r"[\[\]#]", " ", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fence(code: str, language: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code.rstrip(chr(10))}\n{ticks}"


# -- the read side --------------------------------------------------------------------------------------

ATOMIC, WRAPPER, READONLY = "atomic", "wrapper", "readonly"


@dataclass
class Fragment:
    id: int
    kind: str
    mode: str
    xml: str
    block: bool
    head: str = ""  # wrapper: exact XML before the content
    tail: str = ""  # wrapper: exact XML after the content
    inner_md: str = ""  # wrapper/read-only: the content as it was read

    def marker(self, detail: str = "") -> str:
        detail = f" {detail}" if detail else ""
        return f"[[{self.kind}{detail} #{self.id}]]"

    @property
    def close(self) -> str:
        return f"[[/{self.kind} #{self.id}]]"


@dataclass
class Doc:
    storage: str
    markdown: str
    fragments: dict[int, Fragment]
    reuse: dict[str, str]  # markdown of an untouched block -> its exact XML (with leading spacing)

    def placeholders(self) -> list[str]:
        return [f"{f.kind} #{f.id}" for f in self.fragments.values()]


BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "hr", "div",
              "ac:layout", "ac:layout-section", "ac:layout-cell", "ac:task-list", "ac:adf-extension", "section",
              "dl", "center", "figure", "ac:structured-macro", "ac:macro", "ac:image"}  # fmt: skip
_FORMAT = {"strong": "**", "b": "**", "em": "*", "i": "*", "s": "~~", "del": "~~", "strike": "~~"}
_TRANSPARENT = {"span", "u", "sub", "sup", "small", "big", "font", "ins", "mark", "ac:inline-comment-marker",
                "abbr", "cite", "q", "var", "kbd", "samp"}  # fmt: skip
_MACRO_ELEMENTS = ("ac:structured-macro", "ac:macro")


class Reader:
    def __init__(self, storage: str, people: Callable[[str], str] | None = None):
        self.storage = storage
        self.people = people or (lambda account_id: account_id)
        self.fragments: dict[int, Fragment] = {}
        self.reuse: dict[str, str] = {}
        self.src = b""

    def x(self, start: int, end: int) -> str:
        return self.src[start:end].decode("utf-8")

    def read(self) -> Doc:
        try:
            self.src, root = parse(self.storage)
        except expat.ExpatError:
            frag = self._new("unparsed", READONLY, self.storage, True)
            text = re.sub(r"<[^>]+>", " ", self.storage)
            frag.inner_md = " ".join(html.unescape(text).split())
            md = f"{frag.marker('(read-only)')}\n{frag.inner_md}\n{frag.close}"
            return Doc(self.storage, md, self.fragments, {})
        markdown = "\n\n".join(self.blocks(root, wrappers=True))
        return Doc(self.storage, markdown, self.fragments, self.reuse)

    def _new(self, kind: str, mode: str, xml: str, block: bool) -> Fragment:
        frag = Fragment(len(self.fragments) + 1, kind, mode, xml, block)
        self.fragments[frag.id] = frag
        return frag

    # -- blocks -------------------------------------------------------------------------------------
    def blocks(self, container: El, *, wrappers: bool) -> list[str]:
        out: list[str] = []
        gap_start = container.inner_start
        run: list[El | Text] = []
        last_list = ""

        def emit(md: str, start: int, end: int, kind: str = "") -> None:
            nonlocal gap_start, last_list
            if md.strip():
                out.append(md)
                self.reuse.setdefault(md, self.x(gap_start, end))
                gap_start = end
            last_list = kind

        def flush() -> None:
            nonlocal run
            if run:
                md = _para(self.inline(run).strip())
                emit(md, run[0].start, run[-1].end)
                run = []

        for node in container.children:
            if isinstance(node, Text):
                if node.text.strip() or run:
                    run.append(node)
                continue
            if node.name not in BLOCK_TAGS or (node.name == "ac:image" and run):
                run.append(node)
                continue
            flush()
            if node.name == "p" and not plain(node) and not any(isinstance(c, El) and c.name != "br" for c in node.children):
                continue  # an empty paragraph stays in the spacing before the next block
            if node.name in ("ul", "ol"):
                marker = ("*" if last_list == "-" else "-") if node.name == "ul" else (")" if last_list == "." else ".")
                emit(self.list_block(node, marker), node.start, node.end, marker)
                continue
            emit(self.block(node, wrappers=wrappers), node.start, node.end)
        flush()
        return out

    def block(self, node: El, *, wrappers: bool) -> str:
        name = node.name
        if name == "p":
            return _para(self.inline(node.children).strip())
        if re.fullmatch(r"h[1-6]", name):
            return "#" * int(name[1]) + " " + self.inline(node.children).replace("\\\n", " ").strip()
        if name == "hr":
            return "---"
        if name == "pre":
            return _fence(text_of(node))
        if name == "blockquote":
            inner = "\n\n".join(self.blocks(node, wrappers=False))
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if name == "table":
            simple = self.simple_table(node)
            return simple if simple is not None else self.readonly(node, "table", self.table_text(node))
        if name in _MACRO_ELEMENTS:
            return self.macro_block(node, wrappers=wrappers)
        if name in ("ac:layout", "ac:layout-section", "ac:layout-cell"):
            kind = {"ac:layout": "layout", "ac:layout-section": "section", "ac:layout-cell": "cell"}[name]
            detail = node.attrs.get("ac:type", "")
            if wrappers:
                return self.wrapper(node, node, kind, detail)
            return self.atomic(node, kind, detail or plain(node), block=True)
        if name == "ac:task-list":
            return self.readonly(node, "tasks", self.tasks_text(node))
        if name == "ac:adf-extension":
            decisions = decision_items(node)
            if decisions:
                lines = [f"- {'✅ decided' if d.status == 'DECIDED' else '⏳ ' + d.status.lower()}: {escape_md(d.text)}" for d in decisions]
                return self.readonly(node, "decisions", "\n".join(lines))
            return self.readonly(node, "adf", escape_md(plain(node)))
        if name == "ac:image":
            return self.atomic(node, "image", self.image_name(node), block=True)
        text = plain(node)
        if text:
            return self.readonly(node, name.replace("ac:", ""), escape_md(text))
        return self.atomic(node, name.replace("ac:", ""), "", block=True)

    def macro_block(self, node: El, *, wrappers: bool) -> str:
        name = node.attrs.get("ac:name", "macro")
        body = node.find("ac:plain-text-body")
        if name in ("code", "noformat") and body is not None:
            language = re.sub(r"[^\w+#.-]", "", node.param("language"))
            return _fence(text_of(body), language)
        rich = node.find("ac:rich-text-body")
        if rich is not None and wrappers:
            return self.wrapper(node, rich, name, node.param("title"))
        return self.atomic(node, name, self.macro_detail(node), block=True)

    def wrapper(self, node: El, body: El, kind: str, detail: str) -> str:
        frag = self._new(kind, WRAPPER, self.x(node.start, node.end), True)
        frag.head, frag.tail = self.x(node.start, body.inner_start), self.x(body.inner_end, node.end)
        frag.inner_md = "\n\n".join(self.blocks(body, wrappers=True))
        inner = f"\n{frag.inner_md}" if frag.inner_md else ""
        return f"{frag.marker(_detail(detail))}{inner}\n{frag.close}"

    def readonly(self, node: El, kind: str, text: str) -> str:
        frag = self._new(kind, READONLY, self.x(node.start, node.end), True)
        frag.inner_md = text
        return f"{frag.marker('(read-only)')}\n{text}\n{frag.close}"

    def atomic(self, node: El, kind: str, detail: str, *, block: bool) -> str:
        frag = self._new(re.sub(r"[^\w:.-]", "-", kind) or "element", ATOMIC, self.x(node.start, node.end), block)
        return frag.marker(_detail(detail))

    # -- lists and tables --------------------------------------------------------------------------
    def list_block(self, node: El, marker: str, indent: str = "") -> str:
        lines, number = [], int(node.attrs.get("start", "1") or 1) if node.name == "ol" else 0
        for item in node.all("li"):
            bullet = marker if node.name == "ul" else f"{number}{marker}"
            number += 1
            pad = indent + " " * (len(bullet) + 1)
            paragraphs, nested, run = [], [], []
            for child in item.children:
                if isinstance(child, El) and child.name in ("ul", "ol"):
                    nested.append(self.list_block(child, "-" if child.name == "ul" else ".", pad))
                elif isinstance(child, El) and child.name == "p":
                    if run:
                        paragraphs.append(self.inline(run).strip())
                        run = []
                    paragraphs.append(self.inline(child.children).strip())
                elif isinstance(child, El) and child.name in BLOCK_TAGS and child.name != "ac:image":
                    if child.name in _MACRO_ELEMENTS and child.attrs.get("ac:name") in ("status", "jira", "anchor"):
                        run.append(child)
                    else:
                        run.append(_AsBlock(child))
                else:
                    run.append(child)
            if run:
                paragraphs.append(self.inline(run).strip())
            paragraphs = [_para(p).replace("\n", "\n" + pad) for p in paragraphs if p] or [""]
            first = f"{indent}{bullet} {paragraphs[0]}".rstrip()
            rest = [f"\n{pad}{p}" for p in paragraphs[1:]]
            lines.append(first + "".join(f"\n{r}" for r in rest) + "".join(f"\n{n}" for n in nested))
        return "\n".join(lines)

    def simple_table(self, node: El) -> str | None:
        rows = [r for section in [node, *node.all("tbody"), *node.all("thead")] for r in section.all("tr")]
        if not rows:
            return None
        grid: list[list[str]] = []
        for row in rows:
            cells = [c for c in row.children if isinstance(c, El)]
            if any(c.name not in ("td", "th") for c in cells):
                return None
            line = []
            for cell in cells:
                if int(cell.attrs.get("colspan", "1") or 1) > 1 or int(cell.attrs.get("rowspan", "1") or 1) > 1:
                    return None
                kids = [k for k in cell.children if not (isinstance(k, Text) and not k.text.strip())]
                if len(kids) == 1 and isinstance(kids[0], El) and kids[0].name == "p":
                    kids = kids[0].children
                if any(isinstance(k, El) and (k.name in BLOCK_TAGS and k.name not in _MACRO_ELEMENTS or k.name == "br") for k in kids):
                    return None
                if any(isinstance(k, El) and k.name in _MACRO_ELEMENTS and k.find("ac:rich-text-body") for k in kids):
                    return None
                line.append(self.inline(kids).strip())
            grid.append(line)
        width = max(len(r) for r in grid)
        if any(len(r) != width for r in grid) or width == 0:
            return None
        out = ["| " + " | ".join(grid[0]) + " |", "|" + "---|" * width]
        out += ["| " + " | ".join(r) + " |" for r in grid[1:]]
        return "\n".join(out)

    def table_text(self, node: El) -> str:
        lines = []
        for row in (r for section in [node, *node.all("tbody"), *node.all("thead")] for r in section.all("tr")):
            lines.append("| " + " | ".join(escape_md(plain(c)) for c in row.children if isinstance(c, El)) + " |")
        return "\n".join(lines)

    def tasks_text(self, node: El) -> str:
        lines = []
        for task in node.all("ac:task"):
            status = task.find("ac:task-status")
            done = status is not None and raw(status).strip() == "complete"
            body = task.find("ac:task-body")
            lines.append(f"- [{'x' if done else ' '}] {self.inline(body.children, atomic=False).strip() if body else ''}")
        return "\n".join(lines)

    # -- inline -------------------------------------------------------------------------------------
    def inline(self, nodes: list, atomic: bool = True) -> str:
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, Text):
                parts.append(escape_md(re.sub(r"\s+", " ", node.text)))
            elif isinstance(node, _AsBlock):
                el = node.element
                kind = el.attrs.get("ac:name", el.name.replace("ac:", ""))
                parts.append(self.atomic(el, kind, plain(el)[:60] or self.macro_detail(el), block=True))
            else:
                parts.append(self.inline_element(node, atomic))
        return "".join(parts)

    def inline_element(self, node: El, atomic: bool) -> str:
        name = node.name
        if name in _FORMAT:
            inner = self.inline(node.children, atomic)
            core = inner.strip()
            if not core:
                return inner
            lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()) :]
            return f"{lead}{_FORMAT[name]}{core}{_FORMAT[name]}{trail}"
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
        if name in _TRANSPARENT:
            return self.inline(node.children, atomic)
        if not atomic:  # read-only renderings: text only, no placeholders
            return escape_md(self.readable(node))
        if name == "ac:link":
            return self.atomic(node, *self.link_parts(node), block=False)
        if name == "ac:emoticon":
            return self.atomic(node, "emoticon", node.attrs.get("ac:emoji-fallback") or node.attrs.get("ac:name", ""), block=False)
        if name == "time":
            return self.atomic(node, "date", node.attrs.get("datetime", ""), block=False)
        if name in _MACRO_ELEMENTS:
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
        if node.name in _MACRO_ELEMENTS:
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
class _AsBlock:
    """A block element met inside a list item: shown as one placeholder."""

    element: El

    @property
    def start(self) -> int:
        return self.element.start

    @property
    def end(self) -> int:
        return self.element.end


def read(storage: str, people: Callable[[str], str] | None = None) -> Doc:
    """Storage format -> markdown with placeholders (see the module docstring)."""
    return Reader(storage or "", people).read()


def account_ids(storage: str) -> list[str]:
    """Account ids mentioned in a body, to resolve their names before reading."""
    return sorted(set(re.findall(r'ri:account-id="([^"]+)"', storage or "")))


# -- the write side ------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(?<!\\)\[\[(/?)([A-Za-z][\w:.-]*)((?: [^\[\]\n]*?)?) #(\d+)\]\]")
_TOKEN = re.compile("\ue000(\\d+)\ue001")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
TRUNCATION = "[truncated:"


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True, "breaks": False}).enable(
        ["table", "strikethrough"]
    )

    def fence(self, tokens, idx, options, env):
        token = tokens[idx]
        language = (token.info or "").strip().split(" ")[0]
        env.setdefault("code", []).append(code_macro(token.content, language))
        return f"\ue002{len(env['code']) - 1}\ue003"

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        src = html.escape(token.attrGet("src") or "", quote=True)
        return f'<ac:image><ri:url ri:value="{src}" /></ac:image>'

    md.add_render_rule("fence", fence)
    md.add_render_rule("code_block", fence)
    md.add_render_rule("image", image)
    return md


def code_macro(code: str, language: str = "") -> str:
    body = code.rstrip("\n").replace("]]>", "]]]]><![CDATA[>")
    param = f'<ac:parameter ac:name="language">{html.escape(language)}</ac:parameter>' if language else ""
    return (
        f'<ac:structured-macro ac:name="code" ac:schema-version="1">{param}'
        f"<ac:plain-text-body><![CDATA[{body}]]></ac:plain-text-body></ac:structured-macro>"
    )


_MD = _renderer()


@dataclass
class WriteReport:
    removed: list[str] = field(default_factory=list)  # placeholders of the version read that are gone
    reused_blocks: int = 0
    rendered_blocks: int = 0


class Writer:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.report = WriteReport()
        self.seen: set[int] = set()

    def fragment(self, number: str, kind: str, text: str) -> Fragment:
        frag = self.doc.fragments.get(int(number))
        if frag is None or frag.kind != kind:
            known = ", ".join(f"[[{f.kind} … #{f.id}]]" for f in list(self.doc.fragments.values())[:8])
            raise InvalidInput(
                f"{text} is not a placeholder of the current version of this page, so it cannot be restored. "
                "Keep placeholders exactly as confluence_get_page showed them (or delete them)"
                + (f"; this page has {known}." if known else "; this page has none.")
            )
        self.seen.add(frag.id)
        return frag

    def write(self, markdown: str) -> str:
        if markdown == self.doc.markdown:
            self.seen = set(self.doc.fragments)
            return self.doc.storage
        if TRUNCATION in markdown:
            raise InvalidInput(
                "body contains a truncation marker, so it is not the whole page. Read the whole page with the "
                "cursor first, or change one section with section=... instead."
            )
        return self.segment(markdown.split("\n"))

    def segment(self, lines: list[str]) -> str:
        out: list[str] = []
        plain_lines: list[str] = []
        i, fence = 0, ""
        while i < len(lines):
            line = lines[i]
            opener = _FENCE.match(line)
            if fence:
                if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                    fence = ""
                plain_lines.append(line)
                i += 1
                continue
            if opener:
                fence = opener.group(1)
                plain_lines.append(line)
                i += 1
                continue
            match = _PLACEHOLDER.fullmatch(line.strip())
            if match and match.group(1) == "/":
                raise InvalidInput(f"{line.strip()} closes a block that was not opened above it. Keep both markers.")
            if match:
                frag = self.fragment(match.group(4), match.group(2), line.strip())
                if frag.mode != ATOMIC:
                    close = frag.close
                    try:
                        j = next(k for k in range(i + 1, len(lines)) if lines[k].strip() == close)
                    except StopIteration:
                        raise InvalidInput(
                            f"{line.strip()} has no closing {close} line. Keep both markers, each on its own line."
                        ) from None
                    out.append(self.blocks(plain_lines))
                    plain_lines = []
                    out.append(self.container(frag, lines[i + 1 : j]))
                    i = j + 1
                    continue
            plain_lines.append(line)
            i += 1
        out.append(self.blocks(plain_lines))
        return "".join(out)

    def container(self, frag: Fragment, inner: list[str]) -> str:
        text = "\n".join(inner).strip("\n")
        if frag.mode == READONLY:
            if _squash(text) != _squash(frag.inner_md):
                raise InvalidInput(
                    f"The text between [[{frag.kind} (read-only) #{frag.id}]] and {frag.close} was changed, but a "
                    f"Confluence {frag.kind} block cannot be edited through markdown. Put it back as it was (or delete "
                    "the whole block, markers included); nothing was written."
                )
            self._seen_inside(frag)
            return frag.xml
        if text == frag.inner_md:
            self._seen_inside(frag)
            self.report.reused_blocks += 1
            return frag.xml
        return frag.head + self.segment(inner) + frag.tail

    def _seen_inside(self, frag: Fragment) -> None:
        for match in _PLACEHOLDER.finditer(frag.inner_md):
            if match.group(1) != "/":
                self.seen.add(int(match.group(4)))

    def blocks(self, lines: list[str]) -> str:
        if not any(line.strip() for line in lines):
            return ""
        source = "\n".join(lines)
        out = []
        for start, end in _top_level_blocks(source):
            block = "\n".join(lines[start:end]).rstrip()
            if not block.strip():
                continue
            original = self.doc.reuse.get(block)
            if original is not None:
                self.report.reused_blocks += 1
                for match in _PLACEHOLDER.finditer(block):
                    self.seen.add(int(match.group(4)))
                out.append(original)
            else:
                self.report.rendered_blocks += 1
                out.append(self.render(block))
        return "".join(out)

    def render(self, block: str) -> str:
        def tokenise(match: re.Match) -> str:
            if match.group(1) == "/":
                raise InvalidInput(f"{match.group(0)} must stay on its own line, after the block it closes.")
            frag = self.fragment(match.group(4), match.group(2), match.group(0))
            if frag.mode != ATOMIC:
                raise InvalidInput(f"{match.group(0)} opens a block: keep it on its own line, as it was.")
            return f"\ue000{frag.id}\ue001"

        env: dict = {}
        rendered = _MD.render(_PLACEHOLDER.sub(tokenise, block), env).strip()

        def restore_block(match: re.Match) -> str:
            frag = self.doc.fragments[int(match.group(1))]
            return frag.xml if frag.block else f"<p>{frag.xml}</p>"

        rendered = re.sub("<p>\ue000(\\d+)\ue001</p>", restore_block, rendered)
        rendered = _TOKEN.sub(lambda m: self.doc.fragments[int(m.group(1))].xml, rendered)
        rendered = re.sub(r">\n+(?=<|\ue002)", ">", rendered)
        rendered = re.sub("\ue002(\\d+)\ue003\n?", lambda m: env["code"][int(m.group(1))], rendered)
        parse(rendered)  # never send a body Confluence would reject as malformed
        return rendered

    def finish(self) -> WriteReport:
        gone = [f for f in self.doc.fragments.values() if f.id not in self.seen]
        self.report.removed = [f"{f.kind} #{f.id}" for f in gone]
        return self.report


def _squash(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _top_level_blocks(source: str) -> list[tuple[int, int]]:
    spans = []
    for token in _MD.parse(source):
        if token.level == 0 and token.map and token.nesting >= 0:
            spans.append((token.map[0], token.map[1]))
    return spans


def write(markdown: str, doc: Doc | None = None) -> tuple[str, WriteReport]:
    """Markdown (with placeholders of `doc`) -> storage format, and what was dropped."""
    doc = doc or Doc("", "", {}, {})
    writer = Writer(doc)
    storage = writer.write(markdown)
    report = writer.finish()
    return storage, report


# -- sections --------------------------------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _heading_text(text: str) -> str:
    return " ".join(re.sub(r"\\(.)", r"\1", text).split()).casefold()


def headings(markdown: str) -> list[tuple[int, int, str]]:
    """(line index, level, text) of every ATX heading outside code fences."""
    found, fence = [], ""
    for index, line in enumerate(markdown.split("\n")):
        opener = _FENCE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0]:
                fence = ""
            continue
        if opener:
            fence = opener.group(1)
            continue
        match = _HEADING.match(line)
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
    end, opened, fence = len(lines), [], ""
    for k in range(index + 1, len(lines)):
        line = lines[k]
        opener = _FENCE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0]:
                fence = ""
            continue
        if opener:
            fence = opener.group(1)
            continue
        marker = _PLACEHOLDER.fullmatch(line.strip())
        if marker and marker.group(1) == "/":
            if marker.group(4) in opened:
                opened.remove(marker.group(4))
                continue
            end = k  # the container the heading sits in closes here
            break
        if marker and k + 1 < len(lines) and any(
            lines[m].strip() == f"[[/{marker.group(2)} #{marker.group(4)}]]" for m in range(k + 1, len(lines))
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


# -- decisions ----------------------------------------------------------------------------------------------


@dataclass
class Decision:
    text: str
    status: str  # DECIDED / UNDECIDED for decision lists; the status macro or "recorded" in sections
    source: str  # "decision list" or 'section "Decisions"'


def decision_items(node: El) -> list[Decision]:
    out = []
    for item in _walk(node):
        if item.name == "ac:adf-node" and item.attrs.get("type") == "decision-item":
            state = next(
                (raw(a).strip() for a in item.all("ac:adf-attribute") if a.attrs.get("key") == "state"), "DECIDED"
            )
            content = item.find("ac:adf-content")
            out.append(Decision(plain(content) if content else plain(item), state.upper(), "decision list"))
    return out


def _walk(node: El):
    for child in node.children:
        if isinstance(child, El):
            yield child
            yield from _walk(child)


DECISION_HEADING = re.compile(r"\bd[ée]cisions?\b", re.IGNORECASE)


def decisions(storage: str) -> list[Decision]:
    """Decision lists anywhere in the body, and the items of sections headed "Decision(s)"/"Décision(s)"."""
    try:
        _, root = parse(storage or "")
    except expat.ExpatError:
        return []
    found: list[Decision] = []
    for element in [root, *_walk(root)]:
        if element.name == "ac:adf-extension":
            found += decision_items(element)
            continue
        kids = [c for c in element.children if isinstance(c, El)]
        for i, child in enumerate(kids):
            if not re.fullmatch(r"h[1-6]", child.name) or not DECISION_HEADING.search(plain(child)):
                continue
            level, title = int(child.name[1]), plain(child)
            for sibling in kids[i + 1 :]:
                if re.fullmatch(r"h[1-6]", sibling.name) and int(sibling.name[1]) <= level:
                    break
                found += _section_items(sibling, f'section "{title}"')
    return found


def _section_items(node: El, source: str) -> list[Decision]:
    if node.name in ("ul", "ol"):
        return [d for li in node.all("li") for d in [_item(li, source)] if d]
    if node.name == "p":
        item = _item(node, source)
        return [item] if item else []
    if node.name == "table":
        rows = [r for section in [node, *node.all("tbody")] for r in section.all("tr")]
        out = []
        for row in rows:
            cells = [c for c in row.children if isinstance(c, El)]
            if cells and all(c.name == "th" for c in cells):
                continue
            text = " — ".join(plain(c) for c in cells if plain(c))
            status = _status_of(row)
            if text:
                out.append(Decision(text, status or "recorded", source))
        return out
    return []  # decision lists inside the section are counted once, as decision lists


def _item(node: El, source: str) -> Decision | None:
    text = plain(node)
    status = _status_of(node)
    if status:
        text = " ".join(text.replace(status, "", 1).split()) if text.startswith(status) else text
    return Decision(text, status or "recorded", source) if text else None


def _status_of(node: El) -> str:
    for element in _walk(node):
        if element.name in _MACRO_ELEMENTS and element.attrs.get("ac:name") == "status":
            return element.param("title")
    return ""
