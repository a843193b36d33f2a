"""Patches: the attributes Markdown has no syntax for, kept in an ``<!-- adf-patch:... -->`` comment.

A patch mirrors the node: keys to set, ``"-"`` lists keys to drop, and ``content`` is a list of
per-child patches (``null`` = unchanged).
"""

from __future__ import annotations

from typing import Any

from .syntax import Node, Unrepresentable


def make_patch(orig: Any, derived: Any) -> Any:
    """Patch turning ``derived`` into ``orig``; None if equal. Raises if text differs."""
    if orig == derived:
        return None
    if not (isinstance(orig, dict) and isinstance(derived, dict)):
        raise Unrepresentable("shape differs")
    if orig.get("text") != derived.get("text"):
        raise Unrepresentable("text differs")
    kinds = {orig.get("type"), derived.get("type")}
    if len(kinds) != 1 and kinds != {"tableHeader", "tableCell"}:
        raise Unrepresentable("type differs")
    patch: dict[str, Any] = {}
    for key in orig.keys() | derived.keys():
        if orig.get(key, ...) == derived.get(key, ...):
            continue
        if key not in orig:
            patch.setdefault("-", []).append(key)
        elif key == "content" and _same_length_lists(orig[key], derived.get(key)):
            patch["content"] = [make_patch(o, d) for o, d in zip(orig[key], derived[key], strict=True)]
        elif key == "content" and (orig[key] or derived.get(key)):
            raise Unrepresentable("content differs")  # only [] vs missing is patchable
        else:
            patch[key] = orig[key]
    if "-" in patch:
        patch["-"].sort()
    return patch


def _same_length_lists(a: Any, b: Any) -> bool:
    return isinstance(a, list) and isinstance(b, list) and len(a) == len(b)


def apply_patch(node: Node, patch: dict) -> Node:
    out = {k: v for k, v in node.items() if k not in patch.get("-", [])}
    for key, value in patch.items():
        if key == "-":
            continue
        if key == "content" and _same_length_lists(value, out.get("content")):
            pairs = zip(out["content"], value, strict=True)
            out["content"] = [apply_patch(child, p) if isinstance(p, dict) else child for child, p in pairs]
        else:
            out[key] = value
    return out
