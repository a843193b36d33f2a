"""Times are the person's: "this week" starts Monday 00:00 in their profile zone, and every time shown is in
that zone, said once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.testing import call

pytestmark = pytest.mark.anyio

ZONE = "Europe/Paris"  # the demo user's profile zone


@pytest.mark.parametrize("period", ["this week", "cette semaine"])
async def test_this_week_starts_monday_midnight_in_the_persons_zone(confluence, upstream, period):
    here = datetime.now(ZoneInfo(ZONE))
    monday = (here - timedelta(days=here.weekday())).date()
    text, data = await call(confluence, "confluence_search_pages", space="SHOP", modified=period)
    assert f'lastmodified >= "{monday:%Y-%m-%d} 00:00"' in data["cql"] and f"Times are in {ZONE}" in text


async def test_page_parts_show_times_in_the_zone_the_header_names(confluence, upstream):
    macro = str(upstream.fixtures["macro_page"])
    text, _ = await call(confluence, "confluence_get_page", id=macro, include=["comments", "attachments", "versions"])
    assert f"({ZONE})" in text.split("---")[0]  # said once, in the header
    page = upstream.store.contents[int(macro)]
    first = page.versions[0].created.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M")
    assert "| 1 |" in text and first in text.split("## Versions")[1]
