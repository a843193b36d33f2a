"""The cursor of the `*_get_changes` sync tools, for upstreams without a delta API.

Jira and Confluence can only be asked "what changed since T" (to the minute, with an index that
lags). The watermark is the modification time of the last object reported plus the ids already
reported at exactly that time. Each call re-queries from a minute before the watermark, skips
what was already reported, and moves the watermark to the last object it returns; a page cut by
`limit` continues exactly where it stopped, and an object changed again later is reported again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .errors import InvalidInput
from .shaping import decode_cursor, encode_cursor

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
