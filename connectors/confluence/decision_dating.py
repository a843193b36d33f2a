"""When each decision on a page appeared: the first version of the page whose body contains it.

A page touched this week may carry decisions recorded in August; "decisions this week" must not list
them again. So a decision is dated by the earliest version of its page that contains it, read from
the page's version history with bodies (v2 `/pages/{id}/versions?body-format=storage`, newest
first). Only pages found in the period are read, at most `MAX_VERSION_PAGES` x `VERSIONS_PER_PAGE`
versions each, and the walk stops at the first version older than the period: everything a
decision needs to be dated before or inside it. A page created in the period with a single
version needs no request at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.dates import parse_timestamp

from . import storage_format as storage
from .client import ConfluenceClient, next_cursor

VERSIONS_PER_PAGE = 25
MAX_VERSION_PAGES = 2


def norm(text: str) -> str:
    """A decision's identity: its words, case and final full stop aside."""
    return " ".join(text.casefold().rstrip(".").split())


@dataclass(frozen=True)
class FirstSeen:
    when: datetime
    author_id: str
    version: int


def _keys(body: str) -> set[str]:
    return {norm(d.text) for d in storage.decisions(body)}


async def first_seen(
    client: ConfluenceClient, page: dict, wanted: set[str], period_start: datetime
) -> dict[str, FirstSeen]:
    """For each decision key in `wanted` (found in the page's current body): the first version that has it."""
    version = page.get("version") or {}
    history = page.get("history") or {}
    created = parse_timestamp(history.get("createdDate")) or parse_timestamp(version.get("when"))
    number = int(version.get("number") or 1)
    creator = (history.get("createdBy") or {}).get("accountId", "")
    if number <= 1 and created is not None:  # one version: everything on the page appeared at creation
        return {key: FirstSeen(created, creator, 1) for key in wanted}
    out: dict[str, FirstSeen] = {}
    cursor = None
    for _ in range(MAX_VERSION_PAGES):
        listed = await client.versions(str(page["id"]), VERSIONS_PER_PAGE, body=True, cursor=cursor)
        reached_before = False
        for entry in listed.get("results", []):  # newest first: each older version that has it moves the date back
            when = parse_timestamp(entry.get("createdAt"))
            if when is None:
                continue
            body = ((entry.get("body") or {}).get("storage") or {}).get("value", "")
            for key in wanted & _keys(body):
                out[key] = FirstSeen(when, entry.get("authorId", ""), int(entry.get("number") or 0))
            if when < period_start:
                reached_before = True
                break
        cursor = next_cursor(listed)
        if reached_before or not cursor:
            break
    for key in wanted - set(out):  # not in any version read (history cut short): date it by the page itself
        moment = parse_timestamp(version.get("when")) or created
        if moment is not None:
            out[key] = FirstSeen(moment, version.get("by", {}).get("accountId", ""), number)
    return out
