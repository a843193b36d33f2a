"""The Markdown dialect shared by both directions: markers, mark order, the parser, JSON helpers."""

from __future__ import annotations

import json
import re
from typing import Any

from markdown_it import MarkdownIt

Node = dict[str, Any]

ADF_FENCE = "adf"
INLINE_PREFIX = "adf:"
PATCH_PREFIX = "<!-- adf-patch:"
COMMENT_END = " -->"
SEPARATOR = "<!-- -->"
MENTION_SCHEME = "mention:"
GROUP = "\0group"  # internal pseudo node: several nodes in one adf: span

MARK_ORDER = ["link", "em", "strong", "strike", "code"]  # ADF schema rank order
ENTITY_LIKE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")


class Unrepresentable(Exception):
    """Raised when a node cannot be written as plain Markdown in its context."""


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]  # keep hrefs byte-exact (no %-encoding)
    return md


PARSER = _parser()


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
