"""Request bodies checked against the discovery schemas: wrong JSON types and unknown names are 400s."""

from __future__ import annotations

import json
from typing import Any

from ..errors import GoogleError
from .fields import discovery_document

_TYPE_NAMES = {
    "string": "TYPE_STRING",
    "boolean": "TYPE_BOOL",
    "integer": "TYPE_INT32",
    "number": "TYPE_DOUBLE",
    "array": "TYPE_ARRAY",
    "object": "TYPE_MESSAGE",
}


def _fits(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


def _check(value: Any, spec: dict, path: str) -> None:
    if value is None:
        return  # JSON null clears a field, as in a PATCH
    schemas = discovery_document()["schemas"]
    if "$ref" in spec:
        spec = schemas[spec["$ref"]]
    kind = spec.get("type", "object")
    if kind == "any":
        return
    if not _fits(value, kind):
        raise GoogleError(
            400,
            f"Invalid value at '{path}' ({_TYPE_NAMES.get(kind, kind)}), {json.dumps(value)}",
            "invalid",
            location=path,
            location_type="other",
        )
    if kind == "array":
        for item in value:
            _check(item, spec.get("items", {}), path)
    elif kind == "object" and "properties" in spec:
        check(value, spec, path)
    elif kind == "object" and isinstance(spec.get("additionalProperties"), dict):
        for key, item in value.items():
            _check(item, spec["additionalProperties"], f"{path}[{key!r}]")


def check(body: dict, schema: str | dict, path: str) -> None:
    """Raise Drive's 400 for a value of the wrong type or a name the schema does not have."""
    spec = discovery_document()["schemas"][schema] if isinstance(schema, str) else schema
    props = spec.get("properties", {})
    for key, value in body.items():
        if key not in props:
            raise GoogleError(
                400,
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field.",
                "invalid",
                location=path,
                location_type="other",
            )
        _check(value, props[key], f"{path}.{key}")
