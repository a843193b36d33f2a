"""HTML (Google Docs' HTML export, mail bodies, saved pages) to markdown with markdownify.

Scripts, styles and the <head> are dropped; headings become ATX (`#`) headings; tables stay tables.
Images keep their alt text only: their sources may be data: URLs that would flood the model with base64.
"""

from __future__ import annotations

import re

from markdownify import MarkdownConverter

from .model import Converted, Limits, Source, prefaced
from .text import decode, normalise_newlines

_BLANK_RUNS = re.compile(r"\n{3,}")


class _Converter(MarkdownConverter):
    def convert_img(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        alt = (el.attrs.get("alt") or "").strip()
        return f"[image: {alt}]" if alt else "[image]"

    def convert_head(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return ""


def convert_html(data: bytes, source: Source, limits: Limits) -> Converted:
    html, note = decode(data, source.mime)
    markdown = _Converter(heading_style="ATX", bullets="-", strip=["meta", "link", "noscript"]).convert(html)
    markdown = _BLANK_RUNS.sub("\n\n", normalise_newlines(markdown)).strip()
    notes = [note] if note else []
    body = markdown + "\n" if markdown else f"_{source.name} has no text._\n"
    return Converted(prefaced(body, notes), notes)
