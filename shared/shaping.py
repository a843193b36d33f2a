"""Response shaping: small results, explicit truncation, opaque cursors, markdown tables."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
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


_cursor_key: bytes | None = None
MAX_CURSOR = 8192  # characters; ours are far shorter


def use_cursor_key(key: bytes) -> None:
    """Sign cursors with this key (replicas sharing state share it: see shared.state)."""
    global _cursor_key
    _cursor_key = key


def _key() -> bytes:
    global _cursor_key
    if _cursor_key is None:
        configured = os.environ.get("CONNECTORS_CURSOR_KEY", "").encode()
        _cursor_key = hashlib.sha256(configured).digest() if configured else secrets.token_bytes(32)
    return _cursor_key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def encode_cursor(kind: str, state: dict[str, Any]) -> str:
    """An opaque, signed cursor: a caller can hand it back, never forge one that widens a query."""
    raw = json.dumps({"k": kind, **state}, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(_key(), raw, hashlib.sha256).digest()[:16]
    return f"{_b64(raw)}.{_b64(mac)}"


def decode_cursor(kind: str, cursor: str) -> dict[str, Any]:
    """Decode a cursor we issued; anything else (edited, forged, expired key) is a clear input error."""
    state = None
    try:
        body, _, mac = cursor.strip().partition(".")
        raw = _unb64(body)
        expected = hmac.new(_key(), raw, hashlib.sha256).digest()[:16]
        if len(cursor) <= MAX_CURSOR and hmac.compare_digest(_unb64(mac), expected):
            state = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        state = None
    if not isinstance(state, dict) or state.pop("k", None) != kind:
        raise InvalidInput(
            "cursor is not valid for this tool (or has expired). Pass the next_cursor value from the previous "
            "result unchanged, with the same other arguments, or start again without a cursor."
        )
    return state
