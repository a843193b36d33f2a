"""The scenarios of the issue, end to end over Streamable HTTP against the sandbox."""

from __future__ import annotations

import pytest
from mcp import Client

from shared.testing import call

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "project, period",
    [("Webshop", "this week"), ("webshop", "cette semaine"), ("SHOP", "This Week")],
)
async def test_decisions_of_the_project_this_week_in_one_call(confluence_url, upstream, project, period):
    """ "Résume-moi les décisions prises sur le projet Webshop dans Confluence cette semaine"."""
    async with Client(confluence_url) as confluence:
        text, data = await call(confluence, "confluence_find_decisions", project=project, period=period)
    store = upstream.store
    notes = [store.contents[i] for i in upstream.fixtures["this_week_meeting_notes"]]
    assert "space SHOP (Webshop)" in data["scope"] and "space SHOP (Webshop)" in text  # the resolution is stated
    assert {d["page_id"] for d in data["decisions"]} == {str(n.id) for n in notes}  # this week's pages only
    texts = [d["text"] for d in data["decisions"]]
    assert "Traduire les e-mails de confirmation en allemand" in texts  # the French meeting's "Décisions"
    assert "Adopt the free shipping threshold of 49 EUR" in texts
    assert len(texts) == len(set(texts))  # a decision in a list and a decision macro is reported once
    for d in data["decisions"]:
        assert d["url"].startswith(f"{upstream.url}/wiki/spaces/SHOP/pages/{d['page_id']}/")
        assert d["author"] and not d["author"].startswith("user ") and d["date"] and d["status"]
        assert d["url"] in text
    assert {d["status"] for d in data["decisions"]} >= {"decided", "recorded"}
    old = {str(i) for i in upstream.fixtures["old_meeting_notes"]}
    assert not old & {d["page_id"] for d in data["decisions"]}


async def test_or_search_then_fetch(confluence_url, upstream):
    async with Client(confluence_url) as confluence:
        _, found = await call(confluence, "confluence_search_pages", space="Webshop", modified="cette semaine")
        assert set(found["ids"]) == {str(i) for i in upstream.fixtures["this_week_meeting_notes"]}
        _, page = await call(confluence, "fetch", id=found["ids"][-1])
    assert "## Decisions" in page["text"] or "## Décisions" in page["text"]
    assert page["url"] == found["urls"][-1]
