"""Reading a question typed into `search`: a period said in words, and words reduced to a searchable stem.

"décisions Webshop cette semaine" holds a period ("cette semaine": since Monday 00:00 in the person's
zone), a project's name ("Webshop") and one word to look for ("décisions"). People write plurals and
verb forms ("blockers", "blocking") where issues say "blocker" or "blocked", so each word is searched
by its stem with a trailing wildcard (`block*`), which Jira's text search supports.
(The same small rules live in connectors/confluence/asking.py; connectors never import each other.)
"""

from __future__ import annotations

import re

# Longest first, so "la semaine dernière" wins over "semaine dernière".
PERIODS = sorted(
    ["this week", "cette semaine", "last week", "la semaine dernière", "semaine dernière", "today", "aujourd'hui",
     "yesterday", "hier", "this month", "ce mois-ci", "last month", "le mois dernier"],
    key=len, reverse=True,
)  # fmt: skip
SUFFIXES = ("ings", "ing", "ers", "er", "ed", "es", "s")  # English and French plurals, -ing/-ed forms
MIN_STEM = 4


def split_period(query: str) -> tuple[str, str]:
    """(the query without its period phrase, the period phrase or "")."""
    lowered = query.lower()
    for phrase in PERIODS:
        match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered)
        if match:
            return query[: match.start()] + " " + query[match.end() :], phrase
    return query, ""


def stem(word: str) -> str:
    """A light stem: "blockers" and "blocking" -> "block", "décisions" -> "décision"; short words stay whole."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def searchable(word: str) -> bool:
    """Only plain words get a wildcard; anything else is searched as typed (escaped)."""
    return word.isalnum()
