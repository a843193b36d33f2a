"""Writing: markdown (with the placeholders of the version read) -> storage format, block by block.

Every top-level markdown block textually identical to a block of the version read is replaced by
that block's exact original XML; changed blocks are rendered with markdown-it-py, and placeholders
inside them are substituted with their original XML. Containers are put back with their exact
original start and end XML around their (possibly edited) content.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from xml.parsers import expat

from markdown_it import MarkdownIt

from shared.control_chars import reject_control_chars
from shared.errors import InvalidInput

from .fragments import ATOMIC, READONLY, Doc, Fragment
from .markdown_text import PLACEHOLDER, code_lines, fenced_lines
from .tree import parse

_TOKEN = re.compile("\ue000(\\d+)\ue001")
TRUNCATION = "[truncated:"


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True, "breaks": False}).enable(["table", "strikethrough"])

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


RENDERER = _renderer()


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
        reject_control_chars(markdown, "body")
        if TRUNCATION in markdown:
            raise InvalidInput(
                "body contains a truncation marker, so it is not the whole page. Read the whole page with the "
                "cursor first, or change one section with section=... instead."
            )
        return self.segment(markdown.split("\n"))

    def segment(self, lines: list[str]) -> str:
        out: list[str] = []
        plain_lines: list[str] = []
        i = 0
        code = code_lines(lines, 0)  # placeholders in code are text
        while i < len(lines):
            line = lines[i]
            if i in code:
                self._refuse_swallowed(line, code[i])
                plain_lines.append(line)
                i += 1
                continue
            match = PLACEHOLDER.fullmatch(line.strip())
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
                    code = code_lines(lines, i)  # a fence left open inside the container ended with it
                    continue
            plain_lines.append(line)
            i += 1
        out.append(self.blocks(plain_lines))
        return "".join(out)

    def _refuse_swallowed(self, line: str, unclosed_by: str) -> None:
        """A fence never closed turns the rest into code: refused when that would swallow a placeholder."""
        known = [m.group(0) for m in PLACEHOLDER.finditer(line) if int(m.group(4)) in self.doc.fragments]
        if unclosed_by and known:
            raise InvalidInput(
                f'The code block opened by the line "{unclosed_by}" is never closed, so {known[0]} and everything '
                "after it would become code. Close the code block (a line of backticks), or remove its opening line; "
                "nothing was written."
            )

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
        for match in PLACEHOLDER.finditer(frag.inner_md):
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
                for match in PLACEHOLDER.finditer(block):
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

        lines = block.split("\n")
        in_code = fenced_lines(lines) if "```" in block or "~~~" in block else set()
        source = "\n".join(line if i in in_code else PLACEHOLDER.sub(tokenise, line) for i, line in enumerate(lines))
        env: dict = {}
        rendered = RENDERER.render(source, env).strip()  # placeholders shown in code blocks stay code

        def restore_block(match: re.Match) -> str:
            frag = self.doc.fragments[int(match.group(1))]
            return frag.xml if frag.block else f"<p>{frag.xml}</p>"

        rendered = re.sub("<p>\ue000(\\d+)\ue001</p>", restore_block, rendered)
        rendered = _TOKEN.sub(lambda m: self.doc.fragments[int(m.group(1))].xml, rendered)
        rendered = re.sub(r">\n+(?=<|\ue002)", ">", rendered)
        rendered = re.sub("\ue002(\\d+)\ue003\n?", lambda m: env["code"][int(m.group(1))], rendered)
        try:
            parse(rendered)  # never send a body Confluence would reject as malformed
        except expat.ExpatError as error:
            raise InvalidInput(
                f"This block cannot be stored as Confluence storage format ({error}); rewrite it:\n{block[:300]}"
            ) from None
        return rendered

    def finish(self) -> WriteReport:
        gone = [f for f in self.doc.fragments.values() if f.id not in self.seen]
        self.report.removed = [f"{f.kind} #{f.id}" for f in gone]
        return self.report


def _squash(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _top_level_blocks(source: str) -> list[tuple[int, int]]:
    spans = []
    for token in RENDERER.parse(source):
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
