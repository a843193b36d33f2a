"""Custom and system field values: from what people write to what Jira's create/edit expects."""

from __future__ import annotations

from typing import Any

from shared.errors import InvalidInput

from .adf import markdown_to_adf
from .resolve import Lookups, pick


def _allowed(meta: dict) -> dict[str, Any]:
    return {(v.get("value") or v.get("name") or str(v.get("id"))): v for v in meta.get("allowedValues") or []}


async def to_jira(name: str, meta: dict, value: Any, lookups: Lookups, project_key: str) -> Any:
    """Convert one value for a field described by createmeta/editmeta `meta`."""
    schema = meta.get("schema") or {}
    kind, items = schema.get("type"), schema.get("items")
    custom = schema.get("custom", "")
    if kind == "array":
        values = value if isinstance(value, list) else [value]
        return [
            await to_jira(name, {**meta, "schema": {"type": items, "custom": custom}}, v, lookups, project_key)
            for v in values
        ]
    if kind in ("option", "priority", "resolution", "version", "component", "issuetype"):
        allowed = _allowed(meta)
        if allowed:
            chosen = pick(f"value for {name}", str(value), allowed)
            return {"id": str(chosen["id"])} if "id" in chosen else {"value": chosen.get("value")}
        return {"value": str(value)} if kind == "option" else {"name": str(value)}
    if kind == "user":
        return {"accountId": (await lookups.user(str(value), project_key))["accountId"]}
    if kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f'{name} needs a number, got "{value}".') from None
    if kind == "string" and custom.endswith(":textarea"):
        return markdown_to_adf(str(value))
    if kind in ("date", "datetime", "string"):
        return str(value)
    return value
