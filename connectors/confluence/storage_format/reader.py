"""Reading: storage format -> markdown with placeholders (blocks, lists, tables; inline content: ``reader_inline``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from xml.parsers import expat

from .decision_extraction import decision_items
from .fragments import READONLY, WRAPPER, Doc
from .markdown_text import escape_md, fence, para, short_detail
from .reader_inline import AsBlock, InlineReader
from .tree import BLOCK_TAGS, MACRO_ELEMENTS, El, Text, parse, plain, raw, text_of


class Reader(InlineReader):
    """Storage format -> markdown with placeholders: the block structure."""

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
                md = para(self.inline(run).strip())
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
            if (
                node.name == "p"
                and not plain(node)
                and not any(isinstance(c, El) and c.name != "br" for c in node.children)
            ):
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
            return para(self.inline(node.children).strip())
        if re.fullmatch(r"h[1-6]", name):
            return "#" * int(name[1]) + " " + self.inline(node.children).replace("\\\n", " ").strip()
        if name == "hr":
            return "---"
        if name == "pre":
            return fence(text_of(node))
        if name == "blockquote":
            inner = "\n\n".join(self.blocks(node, wrappers=False))
            return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if name == "table":
            simple = self.simple_table(node)
            return simple if simple is not None else self.readonly(node, "table", self.table_text(node))
        if name in MACRO_ELEMENTS:
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
                lines = [
                    f"- {'✅ decided' if d.status == 'DECIDED' else '⏳ ' + d.status.lower()}: {escape_md(d.text)}"
                    for d in decisions
                ]
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
            return fence(text_of(body), language)
        rich = node.find("ac:rich-text-body")
        if rich is not None and wrappers:
            return self.wrapper(node, rich, name, node.param("title"))
        return self.atomic(node, name, self.macro_detail(node), block=True)

    def wrapper(self, node: El, body: El, kind: str, detail: str) -> str:
        frag = self._new(kind, WRAPPER, self.x(node.start, node.end), True)
        frag.head, frag.tail = self.x(node.start, body.inner_start), self.x(body.inner_end, node.end)
        frag.inner_md = "\n\n".join(self.blocks(body, wrappers=True))
        inner = f"\n{frag.inner_md}" if frag.inner_md else ""
        return f"{frag.marker(short_detail(detail))}{inner}\n{frag.close}"

    def readonly(self, node: El, kind: str, text: str) -> str:
        frag = self._new(kind, READONLY, self.x(node.start, node.end), True)
        frag.inner_md = text
        return f"{frag.marker('(read-only)')}\n{text}\n{frag.close}"

    # -- lists and tables --------------------------------------------------------------------------
    def list_block(self, node: El, marker: str, indent: str = "") -> str:
        lines, number = [], int(node.attrs.get("start", "1") or 1) if node.name == "ol" else 0
        for item in node.all("li"):
            bullet = marker if node.name == "ul" else f"{number}{marker}"
            number += 1
            pad = indent + " " * (len(bullet) + 1)
            paragraphs: list[str] = []
            nested: list[str] = []
            run: list[El | Text | AsBlock] = []
            for child in item.children:
                if isinstance(child, El) and child.name in ("ul", "ol"):
                    nested.append(self.list_block(child, "-" if child.name == "ul" else ".", pad))
                elif isinstance(child, El) and child.name == "p":
                    if run:
                        paragraphs.append(self.inline(run).strip())
                        run = []
                    paragraphs.append(self.inline(child.children).strip())
                elif isinstance(child, El) and child.name in BLOCK_TAGS and child.name != "ac:image":
                    if child.name in MACRO_ELEMENTS and child.attrs.get("ac:name") in ("status", "jira", "anchor"):
                        run.append(child)
                    else:
                        run.append(AsBlock(child))
                else:
                    run.append(child)
            if run:
                paragraphs.append(self.inline(run).strip())
            paragraphs = [para(p).replace("\n", "\n" + pad) for p in paragraphs if p] or [""]
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
                if any(
                    isinstance(k, El) and (k.name in BLOCK_TAGS and k.name not in MACRO_ELEMENTS or k.name == "br")
                    for k in kids
                ):
                    return None
                if any(isinstance(k, El) and k.name in MACRO_ELEMENTS and k.find("ac:rich-text-body") for k in kids):
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
            lines.append(
                f"- [{'x' if done else ' '}] {self.inline(body.children, atomic=False).strip() if body else ''}"
            )
        return "\n".join(lines)


def read(storage: str, people: Callable[[str], str] | None = None) -> Doc:
    """Storage format -> markdown with placeholders (see the module docstring)."""
    return Reader(storage or "", people).read()


def account_ids(storage: str) -> list[str]:
    """Account ids mentioned in a body, to resolve their names before reading."""
    return sorted(set(re.findall(r'ri:account-id="([^"]+)"', storage or "")))
