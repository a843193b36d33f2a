"""Building CQL safely: quoting user text, dates in the caller's time zone, minute granularity."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

_SPECIAL = re.compile(r'(["\\])')
_HIGHLIGHT = re.compile(r"@@@(?:end)?hl@@@")


def quote(value: str) -> str:
    """A CQL string literal: user text can never close the quotes or add clauses."""
    return '"' + _SPECIAL.sub(r"\\\1", str(value)) + '"'


def quote_all(values: list[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


def text_query(words: str) -> str:
    """Words for `text ~`: CQL's own operators and wildcards are neutralised."""
    cleaned = re.sub(r'[\\"*?~+^!(){}\[\]:]', " ", words)
    return quote(" ".join(cleaned.split()))


def when(moment: datetime, tz: str) -> str:
    """ "yyyy-MM-dd HH:mm" in the time zone Confluence reads CQL dates in (the caller's)."""
    try:
        zone = ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - an unknown profile zone: Confluence falls back to UTC
        zone = ZoneInfo("UTC")
    return quote(moment.astimezone(zone).strftime("%Y-%m-%d %H:%M"))


def split_order(cql: str) -> tuple[str, str]:
    """("where part", "order by part") of a caller's CQL."""
    match = re.search(r"\border\s+by\b", cql, re.IGNORECASE)
    if not match:
        return cql.strip(), ""
    return cql[: match.start()].strip(), cql[match.end() :].strip()


def join(clauses: list[str], order: str = "") -> str:
    where = " AND ".join(f"({c})" if " OR " in c.upper() and not c.startswith("(") else c for c in clauses if c)
    return f"{where} ORDER BY {order}" if order else where


def plain_title(text: str) -> str:
    """A title from search results without Confluence's highlight markers (@@@hl@@@ ... @@@endhl@@@)."""
    return _HIGHLIGHT.sub("", text or "")
