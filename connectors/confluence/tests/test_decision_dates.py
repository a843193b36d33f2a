"""Decisions are dated by when they appeared (the first version of the page that has them), not by the
page's last edit; a decision that appeared before the period is not listed again, wherever it is quoted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.atlassian.confluence.store import Version
from sandbox.atlassian.users import user
from shared.dates import local
from shared.testing import call

pytestmark = pytest.mark.anyio

ZONE = "Europe/Paris"  # the demo user's profile zone
AUGUST = ["Drop the legacy coupon engine", "Keep PayPal as a payment option"]
NEW = "Move the checkout to the new payment API"


def decisions_body(*decisions: str) -> str:
    return "<h2>Decisions</h2><ul>" + "".join(f"<li><p>{d}</p></li>" for d in decisions) + "</ul>"


def add_page(upstream, title: str, versions: list[tuple[datetime, str]]):
    store = upstream.store
    shop = store.space_by_key("SHOP")
    alice = user("alice").account_id
    return store.add_content(
        type="page",
        space_id=shop.id,
        author_id=alice,
        created=versions[0][0],
        parent_id=shop.homepage_id,
        versions=[Version(n, alice, when, "", title, body) for n, (when, body) in enumerate(versions, 1)],
    )


def monday_in(zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    here = datetime.now(ZoneInfo(zone))
    return (here - timedelta(days=here.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


async def test_decisions_recorded_in_august_on_a_page_touched_this_week_are_not_this_weeks(confluence, upstream):
    now = datetime.now(UTC)
    august = now - timedelta(days=110)
    touched = max(monday_in(ZONE).astimezone(UTC) + timedelta(minutes=5), now - timedelta(minutes=3))
    page = add_page(
        upstream,
        "Payments decision log",
        [
            (august, decisions_body(*AUGUST)),
            (august + timedelta(days=1), decisions_body(*AUGUST) + "<p>Typo fixed.</p>"),
            (touched, decisions_body(*AUGUST, NEW)),
        ],
    )
    text, data = await call(confluence, "confluence_find_decisions", project="SHOP", period="this week")
    on_page = [d for d in data["decisions"] if d["page_id"] == str(page.id)]
    assert [d["text"] for d in on_page] == [NEW]
    assert on_page[0]["date"] == local(touched.isoformat(), ZONE)
    assert not set(AUGUST) & {d["text"] for d in data["decisions"]}
    assert data["earlier"] == 2 and "2 decisions on these pages appeared before the period" in text
    since_august = august.date().isoformat()
    _, august_view = await call(confluence, "confluence_find_decisions", project="SHOP", period=since_august)
    dated = {d["text"]: d["date"] for d in august_view["decisions"] if d["page_id"] == str(page.id)}
    assert dated[AUGUST[0]] == local(august.isoformat(), ZONE)


async def test_a_page_that_quotes_earlier_decisions_does_not_count_them_again(confluence, upstream):
    now = datetime.now(UTC)
    august = now - timedelta(days=110)
    touched = max(monday_in(ZONE).astimezone(UTC) + timedelta(minutes=5), now - timedelta(minutes=3))
    add_page(
        upstream,
        "Payments decision log",
        [
            (august, decisions_body(*AUGUST)),
            (touched, decisions_body(*AUGUST) + "<p>Reviewed.</p>"),
        ],
    )
    quoting = add_page(upstream, "Quarterly summary", [(touched, decisions_body(AUGUST[0]))])
    _, data = await call(confluence, "confluence_find_decisions", project="SHOP", period="this week")
    assert not [d for d in data["decisions"] if d["page_id"] == str(quoting.id)]
    assert AUGUST[0] not in {d["text"] for d in data["decisions"]}


async def test_histories_are_read_only_for_pages_of_the_period_with_decisions_once_each(confluence, upstream):
    upstream.control.clear_requests()
    _, data = await call(confluence, "confluence_find_decisions", project="SHOP", period="this week")
    reads = [r["path"] for r in upstream.requests("GET") if r["path"].endswith("/versions")]
    with_decisions = {d["page_id"] for d in data["decisions"]}
    assert reads and len(reads) == len(set(reads)) <= data["pages_read"]
    assert {path.split("/")[-2] for path in reads} <= with_decisions


async def test_the_output_says_what_decided_and_recorded_mean_and_the_zone_once(confluence, upstream):
    text, data = await call(confluence, "confluence_find_decisions", project="SHOP", period="this week")
    assert "decided: marked decided in a decision list; recorded: listed under a Decisions heading" in text
    assert text.count(f"Times are in {ZONE}") == 1
    assert data["period_start"] == monday_in(ZONE).astimezone(UTC).isoformat()
