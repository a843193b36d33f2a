"""The ``fields`` partial-response syntax: ``kind,nextPageToken,files(id,name,owners/emailAddress),*``.

Selections are checked against the Drive discovery document's schemas, so an unknown field is Drive's
400 ``Invalid field selection`` and a known field the emulator does not fill is simply absent.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import GoogleError

Tree = dict[str, "Tree | None"]  # field -> sub-selection (None: the whole value)


@lru_cache(maxsize=1)
def discovery_document() -> dict:
    """Drive v3's discovery document as shipped in google-api-python-client."""
    path = resources.files("googleapiclient") / "discovery_cache" / "documents" / "drive.v3.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _bad(selection: str) -> GoogleError:
    return GoogleError(400, f"Invalid field selection {selection}", "invalidParameter", location="fields")


def parse(spec: str) -> Tree:
    tree: Tree = {}
    pos = _parse_into(tree, spec.replace(" ", ""), 0, spec)
    if pos != len(spec.replace(" ", "")):
        raise _bad(spec)
    return tree


def _parse_into(tree: Tree, text: str, pos: int, whole: str) -> int:
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        path = text[start:pos]
        if not path:
            raise _bad(whole)
        node = tree
        parts = path.split("/")
        for part in parts[:-1]:
            child = node.get(part, {})
            node[part] = child if child is not None else None
            if node[part] is None:
                break
            node = node[part]  # type: ignore[assignment]
        leaf = parts[-1]
        if pos < len(text) and text[pos] == "(":
            sub: Tree = node.get(leaf) or {}  # type: ignore[assignment]
            pos = _parse_into(sub, text, pos + 1, whole)
            if pos >= len(text) or text[pos] != ")":
                raise _bad(whole)
            pos += 1
            node[leaf] = sub
        else:
            node[leaf] = None
        if pos < len(text) and text[pos] == ")":
            return pos
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return pos


def _schema_props(schema_name: str | None, node: dict | None = None) -> dict | None:
    schemas = discovery_document()["schemas"]
    node = node if node is not None else (schemas.get(schema_name) if schema_name else None)
    if node is None:
        return None
    if "$ref" in node:
        node = schemas[node["$ref"]]
    if node.get("type") == "array":
        return _schema_props(None, node.get("items", {}))
    return node.get("properties") if node.get("type", "object") == "object" else None


def check(tree: Tree, schema_name: str, node: dict | None = None) -> None:
    props = _schema_props(schema_name, node)
    if props is None:
        return
    for name, sub in tree.items():
        if name == "*":
            continue
        if name not in props:
            raise _bad(name)
        if sub:
            check(sub, "", props[name])


def apply(value: Any, tree: Tree | None) -> Any:
    if tree is None or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: apply(value[k], sub) for k, sub in tree.items() if k in value}


def select(value: dict, spec: str | None, default: str, schema_name: str) -> dict:
    """``value`` cut down to ``spec`` (or to Drive's default selection for the method)."""
    tree = parse(spec if spec else default)
    if spec:
        check(tree, schema_name)
    return apply(value, tree)
