"""`search` answers questions as people type them: any word may match, plurals find their stem, a space's
name ranks that space first, a period said in words bounds the dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.anyio

ZONE = "Europe/Paris"  # the demo user's profile zone


async def ask(confluence, question: str) -> list[dict]:
    result = await confluence.call_tool("search", {"query": question})
    assert not result.is_error, result.content[0].text
    return result.structured_content["results"]


def content(upstream, hit):
    return upstream.store.contents[int(hit["id"])]


async def test_what_is_blocking_the_webshop_release_starts_with_webshop_release_pages(confluence, upstream):
    hits = await ask(confluence, "What is blocking the Webshop release?")
    shop = upstream.store.space_by_key("SHOP").id
    assert hits and all(content(upstream, h).space_id == shop for h in hits[:3])
    assert "release" in hits[0]["title"].lower()


async def test_checkout_blockers_finds_checkout_pages(confluence, upstream):
    hits = await ask(confluence, "checkout blockers")
    assert hits and all("checkout" in h["title"].lower() for h in hits[:3])


async def test_decisions_webshop_this_week_in_french_finds_this_weeks_meeting_notes(confluence, upstream):
    hits = await ask(confluence, "décisions Webshop cette semaine")
    notes = {str(i) for i in upstream.fixtures["this_week_meeting_notes"]}
    here = datetime.now(ZoneInfo(ZONE))
    monday = (here - timedelta(days=here.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    assert notes <= {h["id"] for h in hits} and hits[0]["id"] in notes
    assert all(content(upstream, h).updated >= monday.astimezone(UTC) for h in hits)
    assert not any("@@@" in h["title"] for h in hits)
