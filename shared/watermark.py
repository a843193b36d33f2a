"""The cursor of the `*_get_changes` sync tools, for upstreams without a delta API.

Jira and Confluence can only be asked "what changed since T" (to the minute, with an index that
lags). The watermark is the modification time of the last object reported plus the ids already
reported at exactly that time. Each call re-queries from a minute before the watermark, skips
what was already reported, and moves the watermark to the last object it returns; a page cut by
`limit` continues exactly where it stopped, and an object changed again later is reported again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from .dates import parse_point
from .errors import InvalidInput
from .shaping import decode_cursor, encode_cursor

T = TypeVar("T")

OVERLAP = timedelta(minutes=1)  # query granularity (minutes) plus index lag


@dataclass(frozen=True)
class Watermark:
    at: datetime
    seen: frozenset[str] = frozenset()
    scope: str = ""  # the project or space the sync is limited to ("" for all)

    @property
    def query_from(self) -> datetime:
        return self.at - OVERLAP

    def is_new(self, when: datetime, object_id: str) -> bool:
        return when > self.at or (when == self.at and object_id not in self.seen)

    def after(self, reported: Iterable[tuple[datetime, str]]) -> Watermark:
        """The watermark once `reported` (in ascending time order) has been handed to the caller."""
        items = list(reported)
        if not items:
            return self
        last = items[-1][0]
        at_last = {object_id for when, object_id in items if when == last}
        seen = (set(self.seen) | at_last) if last == self.at else at_last
        return Watermark(last, frozenset(seen), self.scope)

    def encode(self, kind: str) -> str:
        at = self.at.astimezone(UTC).isoformat()
        return encode_cursor(kind, {"w": at, "seen": sorted(self.seen), "scope": self.scope})

    @classmethod
    def decode(cls, kind: str, cursor: str) -> Watermark:
        state = decode_cursor(kind, cursor)
        at, seen, scope = state.get("w"), state.get("seen"), state.get("scope", "")
        try:
            if not isinstance(at, str) or not isinstance(scope, str) or not isinstance(seen, list):
                raise ValueError
            moment = datetime.fromisoformat(at)
            if moment.tzinfo is None or not all(isinstance(s, str) for s in seen):
                raise ValueError
        except ValueError:
            raise InvalidInput(
                "cursor is not valid for this tool. Pass the next_cursor value from the previous result unchanged."
            ) from None
        return cls(moment, frozenset(seen), scope)


async def starting_point(kind: str, cursor: str, since: str, tz: str, scope: Callable[[], Awaitable[str]]) -> Watermark:
    """The watermark a sync call starts from: the cursor it was given, else `since` (a first sync)."""
    if cursor:
        return Watermark.decode(kind, cursor)
    if since:
        return Watermark(parse_point(since, tz), scope=await scope())
    raise InvalidInput('Give since (e.g. "24h") for a first sync, or the cursor from the previous call.')


async def collect(
    pages: AsyncIterator[list[T]], mark: Watermark, key: Callable[[T], tuple[datetime | None, str]], limit: int
) -> tuple[list[tuple[T, datetime]], bool]:
    """The objects of `pages` (ascending time) not reported yet, at most `limit`; and whether more are waiting."""
    fresh: list[tuple[T, datetime]] = []
    async for page in pages:
        for item in page:
            when, object_id = key(item)
            if when is None or not mark.is_new(when, object_id):
                continue
            if len(fresh) == limit:
                return fresh, True
            fresh.append((item, when))
    return fresh, False
