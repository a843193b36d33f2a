"""ADF -> plain text, for compact previews and comparisons."""

from __future__ import annotations

from typing import Any


def adf_to_text(doc: dict | None) -> str:
    """Plain text of an ADF document (for compact previews)."""
    if not doc:
        return ""
    return _plain(doc).strip()


def _plain(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    given = node.get("attrs")
    attrs: dict = given if isinstance(given, dict) else {}
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
