"""The OData options Graph accepts on people collections: `$search` (quoted terms, `prop:value` on /users) and the
`$filter` subset Outlook contacts support (`startswith`, `eq`, `emailAddresses/any(...)`, joined by and/or)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ..graph import GraphError

_VALUE = r"'((?:[^']|'')*)'"
_CLAUSES = (
    ("startswith", re.compile(rf"startswith\(\s*([\w/]+)\s*,\s*{_VALUE}\s*\)", re.I)),
    ("any", re.compile(rf"emailAddresses/any\(\s*(\w+)\s*:\s*\1/address\s+eq\s+{_VALUE}\s*\)", re.I)),
    ("eq", re.compile(rf"([\w/]+)\s+eq\s+{_VALUE}", re.I)),
)
_JOIN = re.compile(r"\s+(and|or)\s+", re.I)


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def prefix_match(value: str, term: str) -> bool:
    """A term matches a value when it starts one of the value's words (or the whole of it); case and accents
    ignored."""
    text, wanted = plain(value), " ".join(plain(term).split())
    if not wanted:
        return False
    starts = [0] + [i + 1 for i, c in enumerate(text) if c in " .@_-"]
    return any(text[i:].startswith(wanted) for i in starts)


Test = Callable[[dict[str, Any]], bool]


def _clause(kind: str, match: re.Match[str]) -> Test:
    if kind == "any":
        wanted = match.group(2).replace("''", "'").lower()
        return lambda item: any(str(e.get("address", "")).lower() == wanted for e in item.get("emailAddresses", []))
    field, value = match.group(1), match.group(2).replace("''", "'").lower()
    if kind == "startswith":
        return lambda item: str(item.get(field) or "").lower().startswith(value)
    return lambda item: str(item.get(field) or "").lower() == value


def parse_filter(raw: str, fields: set[str]) -> Test:
    """`a or b and c` (and binds tighter), each clause one of the supported shapes on a known property."""
    groups: list[list[Test]] = [[]]
    at, text = 0, raw.strip()
    while True:
        for kind, pattern in _CLAUSES:
            found = pattern.match(text, at)
            if found:
                if kind != "any" and found.group(1) not in fields:
                    raise GraphError(
                        400, "ErrorInvalidProperty", f"Could not find a property named '{found.group(1)}'."
                    )
                groups[-1].append(_clause(kind, found))
                at = found.end()
                break
        else:
            raise GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")
        if at == len(text):
            break
        join = _JOIN.match(text, at)
        if join is None:
            raise GraphError(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.")
        if join.group(1).lower() == "or":
            groups.append([])
        at = join.end()
    return lambda item: any(all(test(item) for test in group) for group in groups)


def search_terms(raw: str) -> list[list[str]]:
    """`"a" OR "b" AND "c"` -> OR-groups of AND-ed terms. A value must be in double quotes, as Graph requires."""
    text = raw.strip()
    if not (text.startswith('"') and text.endswith('"') and len(text) > 1):
        raise GraphError(400, "BadRequest", "Syntax error: the $search value must be enclosed in double quotes.")
    groups: list[list[str]] = [[]]
    for token in re.findall(r'"[^"]*"|\S+', text):
        if token.upper() == "OR":
            groups.append([])
        elif token.upper() != "AND":
            groups[-1].append(token.strip('"'))
    return [g for g in groups if g]
