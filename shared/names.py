"""Matching what people say against named things: exact first, then close spellings.

`pick(what, value, options)` returns the option whose name equals `value` (case-insensitive),
else raises an `InvalidInput` that lists known names and the closest spellings. Ambiguity is an
error listing the candidates, never a guess.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TypeVar

from .errors import InvalidInput

T = TypeVar("T")


def close(value: str, options: list[str], n: int = 3) -> list[str]:
    """Up to `n` options spelled like `value` ("Pual" -> "Paul"), best first."""
    lowered = {o.lower(): o for o in options if o}
    return [lowered[m] for m in difflib.get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.5)]


def pick(what: str, value: str, options: Mapping[str, T]) -> T:
    """Case-insensitive exact match among named options, else a helpful error."""
    wanted = value.strip().lower()
    for name, item in options.items():
        if name.lower() == wanted:
            return item
    known = ", ".join(list(options)[:15])
    raise InvalidInput(f'Unknown {what} "{value}". Known: {known}.', candidates=close(value, list(options)))


def words_of(text: str) -> list[str]:
    return [w for w in "".join(ch if ch.isalnum() or ch in "@.-_'" else " " for ch in text.lower()).split() if w]


def person_match(query: str, name: str, email: str = "") -> str:
    """How a person's name or e-mail matches what was said: "exact", "words", "prefix" or "".

    "exact": the whole name or e-mail; "words": every word said is a whole word of the name
    ("Paul" in "Paul Martin"); "prefix": only a prefix of a longer word ("Paul" in "Pauline"),
    which is never taken silently.
    """
    q, name_l, email_l = query.strip().lower(), (name or "").lower(), (email or "").lower()
    if not q:
        return ""
    if q in (name_l, email_l):
        return "exact"
    said, have = words_of(q), words_of(name_l)
    if said and all(w in have for w in said):
        return "words"
    if name_l.startswith(q) or (said and all(any(h.startswith(w) for h in have) for w in said)):
        return "prefix"
    if email_l and email_l.split("@")[0].startswith(q.replace(" ", ".")):
        return "prefix"
    return ""
