"""Gmail v1's discovery document (as shipped in google-api-python-client) and request-body checks against it."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

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
