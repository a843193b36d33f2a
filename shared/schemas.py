"""Tool schemas as ChatGPT and strict clients want them: small, flat, with no `$ref`.

ChatGPT's whole tool list must fit in about 5,000 tokens, and some clients reject `anyOf` with
null or `$ref` in tool schemas.
"""

from __future__ import annotations

from typing import Any


def compact_schema(schema: Any) -> Any:
    """No generated titles, and `X | None` published as plain `X`."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value)
    if "default" in out and (out["default"] is False or out["default"] in ("", [], {})):
        out.pop("default")  # optional-and-empty is what "not required" already says
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        out.pop("anyOf")
        out.update(next(v for v in variants if v != {"type": "null"}))
        if "default" in out and out["default"] is None:
            out.pop("default")
    return out


def inline_refs(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """Replace local `$ref`s by their definitions."""
    if isinstance(schema, dict):
        defs = {**(defs or {}), **schema.get("$defs", {})}
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [inline_refs(v, defs) for v in schema]
    return schema


def undescribed(schema: Any) -> Any:
    """Output schemas are for machines: field names say enough."""
    if isinstance(schema, dict):
        return {k: undescribed(v) for k, v in schema.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(schema, list):
        return [undescribed(v) for v in schema]
    return schema
