"""Checks on request input shared by the drive handlers: JSON bodies, names, If-Match, conflict behaviour."""

from __future__ import annotations

import json
from typing import Any

from ..graph import GraphError, bad_request
from .access import Context
from .model import Item

CONFLICT_BEHAVIOURS = ("fail", "replace", "rename")


async def json_body(ctx: Context) -> dict[str, Any]:
    raw = await ctx.request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise bad_request("Provide a non-empty 'name'.")
    bad = set('"*:<>?/\\|') & set(name)
    if bad or name.strip() in (".", "..") or name != name.strip():
        raise GraphError(
            400,
            "invalidRequest",
            f"The name '{name}' is not valid: it may not contain "
            f"{''.join(sorted(bad)) or 'leading or trailing spaces'}.",
        )
    return name


def check_if_match(ctx: Context, item: Item) -> None:
    expected = ctx.request.headers.get("if-match")
    if expected and expected not in ("*", item.etag, item.ctag):
        raise GraphError(412, "preconditionFailed", "ETag does not match current item's value")


def conflict_behaviour(value: object, default: str) -> str:
    chosen = value if value is not None else default
    if chosen not in CONFLICT_BEHAVIOURS:
        raise bad_request(f"@microsoft.graph.conflictBehavior must be one of {', '.join(CONFLICT_BEHAVIOURS)}.")
    return str(chosen)
