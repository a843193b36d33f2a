"""The sync cursor: nothing reported twice, nothing skipped, even with many changes at the same minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.errors import InvalidInput
from shared.shaping import encode_cursor
from shared.watermark import Watermark, collect, starting_point

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def pages_of(*pages: list[tuple[datetime, str]]) -> AsyncIterator[list[tuple[datetime, str]]]:
    for page in pages:
        yield page


async def test_a_limit_cuts_between_objects_of_the_same_minute_and_the_next_call_goes_on_exactly_there():
    items = [(T0, "A"), (T0, "B"), (T0, "C"), (T0 + timedelta(minutes=1), "D")]
    mark = Watermark(T0 - timedelta(hours=1))
    first, more = await collect(pages_of(items), mark, lambda item: item, limit=2)
    assert [i[1] for i, _ in first] == ["A", "B"] and more
    mark = Watermark.decode("sync", mark.after((when, item[1]) for item, when in first).encode("sync"))
    rest, more = await collect(pages_of(items), mark, lambda item: item, limit=10)  # the upstream re-lists all
    assert [i[1] for i, _ in rest] == ["C", "D"] and not more


async def test_an_object_changed_again_later_is_reported_again():
    mark = Watermark(T0, frozenset({"A"}))
    fresh, _ = await collect(pages_of([(T0, "A"), (T0 + timedelta(seconds=30), "A")]), mark, lambda i: i, limit=5)
    assert [when for _, when in fresh] == [T0 + timedelta(seconds=30)]


async def test_a_first_sync_needs_since_or_a_cursor():
    async def scope() -> str:
        return "SHOP"

    with pytest.raises(InvalidInput, match="Give since"):
        await starting_point("sync", "", "", "UTC", scope)
    mark = await starting_point("sync", "", "2026-12-01", "UTC", scope)
    assert mark.scope == "SHOP" and mark.at == datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("state", [{"w": 5, "seen": [], "scope": ""}, {"w": "2026-12-01", "seen": [1]}, {"seen": []}])
def test_a_cursor_with_missing_or_wrong_fields_is_a_clear_input_error(state):
    with pytest.raises(InvalidInput, match="cursor is not valid"):
        Watermark.decode("sync", encode_cursor("sync", state))
