"""Response shaping: small results, explicit truncation, opaque cursors, markdown tables."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .errors import InvalidInput

# ChatGPT truncates large tool results silently; stay well below (~6k tokens).
DEFAULT_BUDGET = 24_000


def truncation_marker(omitted: str, hint: str) -> str:
    return f"\n\n[truncated: {omitted}. {hint}]"


def clip(text: str, limit: int, hint: str) -> tuple[str, bool]:
    """Cut `text` at a line boundary under `limit` characters, with a visible marker."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", 0, limit)
    cut = cut if cut > limit // 2 else limit
    return text[:cut] + truncation_marker(f"{len(text) - cut} more characters", hint), True


def cell(value: Any) -> str:
    """One markdown table cell: no pipes or newlines may break the row."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def fit(items: Sequence[Any], render: Callable[[Sequence[Any]], str], budget: int) -> tuple[str, int]:
    """Render as many leading items as fit in `budget`; return (text, number left out)."""
    text = render(items)
    if len(text) <= budget:
        return text, 0
    low, high = 0, len(items)
    while low < high:  # largest prefix that fits
        mid = (low + high + 1) // 2
        if len(render(items[:mid])) <= budget:
            low = mid
        else:
            high = mid - 1
    return render(items[:low]), len(items) - low


def encode_cursor(kind: str, state: dict[str, Any]) -> str:
    raw = json.dumps({"k": kind, **state}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> dict[str, Any]:
    """Decode a cursor we issued; anything else is a clear input error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or state.pop("k", None) != kind:
        raise InvalidInput(
            "cursor is not valid for this tool. Pass the next_cursor value from the previous result unchanged, "
            "with the same other arguments."
        )
    return state
