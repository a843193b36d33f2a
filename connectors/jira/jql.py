"""Building JQL from structured filters. Every user value is quoted and escaped here.

`quote()` makes any text a JQL string literal. `text_query()` additionally neutralises the
Lucene operators that `~` would interpret (`+ - & | ! ( ) { } [ ] ^ ~ * ? \\ : /`), so a
search for "C++ crash: 50%" is a plain word search, never a syntax error or an injection.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)

_LUCENE = re.compile(r'[+\-&|!(){}\[\]^~*?\\:/"]')


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_query(value: str) -> str:
    words = " ".join(_LUCENE.sub(" ", value).split())
    return quote(words)


def quote_all(values: list[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


def when(moment: datetime, tz: str) -> str:
    """JQL compares dates to the minute, in the searching user's time zone."""
    return quote(moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"))


def ago(total_seconds: float) -> str:
    """A relative JQL date, to the minute: "-2880m" is 48 hours ago."""
    return f"-{max(1, int(total_seconds // 60))}m"


def join(clauses: list[str], order_by: str) -> str:
    where = " AND ".join(f"({c})" if " OR " in c else c for c in clauses if c)
    return f"{where} ORDER BY {order_by}" if where else f"ORDER BY {order_by}"


_ORDER_BY = re.compile(r"\s*\border\s+by\s+(?P<order>[^\"']*)$", re.IGNORECASE)


def split_order(query: str) -> tuple[str, str]:
    """("project = X ORDER BY created") -> ("project = X", "created"), so filters can be ANDed."""
    match = _ORDER_BY.search(query)
    if not match:
        return query.strip(), ""
    return query[: match.start()].strip(), match.group("order").strip()


ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]+-\d+$")
