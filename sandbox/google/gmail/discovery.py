"""Gmail v1's discovery document (as shipped in google-api-python-client) and request-body checks against it."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from ..drive import fields as selection  # the generic ``fields`` parser (apply/parse take no schema)
from ..errors import GoogleError

_TYPE_NAMES = {"string": "TYPE_STRING", "boolean": "TYPE_BOOL", "integer": "TYPE_INT32", "array": "TYPE_ARRAY"}


@lru_cache(maxsize=1)
def document() -> dict:
    path = resources.files("googleapiclient") / "discovery_cache" / "documents" / "gmail.v1.json"
    return json.loads(path.read_text(encoding="utf-8"))


def rooted_document(base_url: str) -> dict:
    """The document with ``rootUrl`` and ``mtlsRootUrl`` at the sandbox: metadata, uploads and batch go there."""
    doc = copy.deepcopy(document())
    doc["rootUrl"] = doc["mtlsRootUrl"] = base_url.rstrip("/") + "/"
    return doc


def _fits(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "number"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def check(body: Any, schema: str | dict, path: str) -> None:
    """Gmail's 400 for a value of the wrong JSON type or a name the schema does not have."""
    schemas = document()["schemas"]
    spec = schemas[schema] if isinstance(schema, str) else schema
    if "$ref" in spec:
        spec = schemas[spec["$ref"]]
    kind = spec.get("type", "object")
    if body is None or kind == "any":
        return
    if not _fits(body, kind):
        raise GoogleError(
            400, f"Invalid value at '{path}' ({_TYPE_NAMES.get(kind, kind)}), {json.dumps(body)[:80]}", "invalid"
        )
    if kind == "array":
        for item in body:
            check(item, spec.get("items", {}), path)
    elif kind == "object" and "properties" in spec:
        for key, value in body.items():
            if key not in spec["properties"]:
                raise GoogleError(
                    400,
                    f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field.",
                    "invalid",
                )
            check(value, spec["properties"][key], f"{path}.{key}")


def _props(node: dict) -> dict | None:
    schemas = document()["schemas"]
    if "$ref" in node:
        node = schemas[node["$ref"]]
    if node.get("type") == "array":
        return _props(node.get("items", {}))
    return node.get("properties")


def _check_selection(tree: dict, node: dict) -> None:
    props = _props(node)
    if props is None:
        return
    for name, sub in tree.items():
        if name == "*":
            continue
        if name not in props:
            raise GoogleError(400, f"Invalid field selection {name}", "invalidParameter", location="fields")
        if sub:
            _check_selection(sub, props[name])


def select(value: dict, spec: str, schema: str) -> dict:
    """``value`` cut down to the ``fields`` partial-response selection, checked against the method's schema."""
    tree = selection.parse(spec)
    _check_selection(tree, {"$ref": schema})
    return selection.apply(value, tree)


def response_schema(method: str, template: str) -> str | None:
    """The response schema of the Gmail method served at ``method template`` (a route path), or None."""
    wanted = template.removeprefix("/upload").lstrip("/")
    stack = [document()["resources"]]
    while stack:
        for resource in stack.pop().values():
            stack.append(resource.get("resources", {}))
            for spec in resource.get("methods", {}).values():
                if spec["httpMethod"] == method and spec["path"] == wanted and "response" in spec:
                    return str(spec["response"]["$ref"])
    return None
