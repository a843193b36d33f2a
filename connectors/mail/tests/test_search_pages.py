"""A long search reads only what it shows: a page at a time (at most 50 messages), with a signed cursor to the
next page, over HTTP against each provider's sandbox."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import Mailbox

pytestmark = pytest.mark.anyio
WORD = "quarterlyledger"


def message_reads(mail: Mailbox) -> int:
    """Messages the provider was asked to read one by one (a Gmail batch's parts are logged each)."""
    found = [r for r in mail.control.requests() if r["method"] == "GET" and "/messages/" in r["path"]]
    return len(found)


async def test_sixty_matches_come_in_two_pages_each_reading_what_it_shows(mail: Mailbox):
    for n in range(60):
        mail.deliver("orders@supplier.example", f"Order {n} {WORD}", f"Order number {n}: {WORD} attached.")
    async with mail.connect() as client:
        mail.control.clear_requests()
        text, first = await call(client, "mail_search_messages", words=WORD, limit=200)
        reads = message_reads(mail)
        assert len(first["messages"]) == 50 and first["next_cursor"] and first["left_out"] == 0
        assert "cursor=" in text
        if mail.name == "gmail":
            assert "About 60 match in all" in text
            assert reads == 50  # one read per row shown, not 200
        _, second = await call(client, "mail_search_messages", words=WORD, limit=200, cursor=first["next_cursor"])
        assert len(second["messages"]) == 10 and not second.get("next_cursor")
        ids = [m["id"] for m in first["messages"] + second["messages"]]
        assert len(set(ids)) == 60
        other = await fail(client, "mail_search_messages", words="invoice", cursor=first["next_cursor"])
        assert "cursor belongs to another search" in other
        forged = await fail(client, "mail_search_messages", words=WORD, cursor=first["next_cursor"][:-3] + "abc")
        assert "cursor is not valid" in forged


async def test_a_short_search_has_no_cursor(mail: Mailbox):
    async with mail.connect() as client:
        _, found = await call(client, "mail_search_messages", words="Phoenix", limit=50)
    assert found["messages"] and not found.get("next_cursor")
