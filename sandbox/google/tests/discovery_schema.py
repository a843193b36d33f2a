"""Validate response bodies against the Drive discovery document's schemas (converted to JSON Schema).

Discovery schemas are JSON-Schema-like: ``$ref`` names a schema, ``format: int64`` values are strings. The
conversion keeps types, items, enums and ``additionalProperties``, and closes every object that lists its
properties, so a field the emulator invents (or misspells) fails validation too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema

from sandbox.google.drive.fields import discovery_document


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out: dict = {}
    for key in ("type", "enum", "pattern"):
        if key in node:
            out[key] = node[key]
    if "properties" in node:
        out["properties"] = {k: _convert(v) for k, v in node["properties"].items()}
        out.setdefault("additionalProperties", False)
    if "additionalProperties" in node:
        out["additionalProperties"] = _convert(node["additionalProperties"])
    if "items" in node:
        out["items"] = _convert(node["items"])
    if out.get("type") == "any":
        out.pop("type")
    return out


@lru_cache(maxsize=1)
def definitions() -> dict:
    return {name: _convert(schema) for name, schema in discovery_document()["schemas"].items()}


def response_schema(method_id: str) -> str:
    """``drive.files.list`` -> ``FileList`` (the method's declared response)."""
    node: dict = discovery_document()
    parts = method_id.split(".")[1:]
    for name in parts[:-1]:
        node = node["resources"][name]
    return node["methods"][parts[-1]]["response"]["$ref"]


def assert_valid(method_id: str, body: Any) -> None:
    schema = {"$ref": f"#/definitions/{response_schema(method_id)}", "definitions": definitions()}
    jsonschema.validate(body, schema)
