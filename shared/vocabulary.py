"""The words people use for the same few ideas, in English and French, for every connector.

`means(text, ME)` is true when a parameter value says "me" in any of its forms. Connectors use
these sets rather than their own lists, so "moi", "en cours" or "personne" work everywhere.
"""

from __future__ import annotations

import re

ME = frozenset({"me", "moi", "myself", "moi-même", "currentuser()", "current user"})
UNASSIGNED = frozenset({"unassigned", "nobody", "no one", "none", "personne", "non assigné", "non assignée"})
CURRENT = frozenset({"current", "active", "open", "en cours", "actuel", "actuelle", "courant", "ouvert"})
NEXT = frozenset({"next", "future", "upcoming", "prochain", "prochaine", "suivant", "suivante", "à venir"})
BACKLOG = frozenset({"backlog", "none", "no sprint", "aucun", "sans sprint"})


def normal(text: str) -> str:
    return " ".join(str(text).strip().lower().split())


def means(text: str, words: frozenset[str]) -> bool:
    return normal(text) in words


# Words that carry no meaning in a search ("What is blocking the release?" looks for blocking, release).
STOP_WORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into is it its
    me my no not of on or our please show should so some tell than that the their them then there these they this
    those to up us was we were what when where which while who whom why will with would you your find list give get
    all any about
    au aux avec ce ces cette c'est dans de des du elle en est et il ils je la le les leur lui ma mais me mes moi mon
    ne nos notre nous ou où par pas pour qu que quel quelle quels quelles qui sa se ses son sur ta te tes toi ton tu
    un une vos votre vous y est-ce qu'est-ce quoi comment pourquoi quand montre donne trouve liste tous toutes tout
    d' l' qu' j' n' s'""".split()
)


def keywords(text: str) -> list[str]:
    """The meaningful words of what was asked, in order, without stop words or punctuation."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_.'" else " " for ch in text.lower())
    out = []
    for word in cleaned.split():
        word = word.strip(".-_'")
        for prefix in ("l'", "d'", "qu'", "j'", "n'", "s'", "c'"):  # French elisions: l'équipe -> équipe
            if word.startswith(prefix) and len(word) > len(prefix):
                word = word[len(prefix) :]
        if word and word not in STOP_WORDS and word not in out:
            out.append(word)
    return out


# -- reading a question typed into `search` ---------------------------------------------------------
# "décisions Webshop cette semaine" holds a period ("cette semaine": since Monday 00:00 where the person
# is), a project or space name ("Webshop") and a word to look for ("décisions"). People write plurals and
# verb forms ("blockers", "blocking") where the text says "blocker" or "blocked", so each plain word is
# searched by its stem with a trailing wildcard (`block*`), which JQL and CQL text search support.

SUFFIXES = ("ings", "ing", "ers", "er", "ed", "es", "s")  # English and French plurals, -ing/-ed forms
MIN_STEM = 4


def _period_phrases() -> list[str]:
    from .dates import PERIOD_NAMES

    return sorted(PERIOD_NAMES, key=len, reverse=True)  # longest first: "la semaine dernière" before "semaine dernière"


def split_period(query: str) -> tuple[str, str]:
    """(the query without its period phrase, the period phrase or "")."""
    lowered = query.lower()
    for phrase in _period_phrases():
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
