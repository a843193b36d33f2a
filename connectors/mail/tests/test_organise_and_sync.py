"""Organising and syncing on each provider: updates never delete, changes come from the providers' own feeds and
start over (saying so) when the saved position has expired."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import Mailbox

pytestmark = pytest.mark.anyio


async def _newest_from_claire(client) -> str:
    _, found = await call(client, "mail_search_messages", sender="claire.dubois@acme-legal.example.com")
    return str(found["messages"][0]["id"])


async def test_read_flag_archive_and_trash_keep_the_message(mail: Mailbox):
    async with mail.connect() as client:
        claire = await _newest_from_claire(client)
        await call(client, "mail_update_messages", ids=[claire], action="read")
        _, unread = await call(client, "mail_search_messages", sender="claire.dubois", unread=True)
        await call(client, "mail_update_messages", ids=[claire], action="flag")
        await call(client, "mail_update_messages", ids=[claire], action="archive")
        _, inbox = await call(client, "mail_search_messages", folder="Inbox", sender="claire.dubois")
        text, _ = await call(client, "mail_update_messages", ids=[claire], action="trash")
        _, trash = await call(client, "mail_search_messages", folder="Trash", sender="claire.dubois")
    assert claire not in [m["id"] for m in unread["messages"]]
    assert claire not in [m["id"] for m in inbox["messages"]]
    assert "recoverable" in text and claire in [m["id"] for m in trash["messages"]]
    assert not [r for r in mail.control.requests() if r["method"] == "DELETE"]  # never a permanent delete


async def test_move_and_label_take_folder_names_and_refuse_unknown_ones(mail: Mailbox):
    async with mail.connect() as client:
        claire = await _newest_from_claire(client)
        _, moved = await call(client, "mail_update_messages", ids=[claire], action="move", folder="Newsletters")
        _, there = await call(client, "mail_search_messages", folder="Newsletters", sender="claire.dubois")
        missing = await fail(client, "mail_update_messages", ids=[claire], action="move", folder="Nowhere")
        needs = await fail(client, "mail_update_messages", ids=[claire], action="label")
    assert moved["action"] == "move" and [m["id"] for m in there["messages"]] == [claire]
    assert "Nowhere" in missing and "needs folder" in needs


async def test_changes_first_list_then_report_exactly_what_happened(mail: Mailbox):
    async with mail.connect() as client:
        first, start = await call(client, "mail_get_changes")
        _, quiet = await call(client, "mail_get_changes")
        claire = await _newest_from_claire(client)  # received before the first sync
        await call(client, "mail_update_messages", ids=[claire], action="read")
        _, read = await call(client, "mail_get_changes")
        mail.deliver("Dana Lee <dana.lee@partner.org>", "Kickoff agenda", "Here is the agenda.")
        _, arrived = await call(client, "mail_get_changes")
        await call(client, "mail_update_messages", ids=arrived["ids"], action="trash")
        _, gone = await call(client, "mail_get_changes")
    assert start["restarted"] == [mail.name] and "first sync" in first
    assert quiet["ids"] == [] and quiet["removed"] == []
    assert read["ids"] == [claire]
    assert len(arrived["ids"]) == 1 and arrived["restarted"] == []
    assert arrived["ids"][0] in gone["removed"] or arrived["ids"][0] in gone["ids"]


async def test_an_expired_position_restarts_with_a_listing_and_says_so(mail: Mailbox):
    async with mail.connect() as client:
        await call(client, "mail_get_changes")
        mail.deliver("Dana Lee <dana.lee@partner.org>", "Kickoff agenda", "Here is the agenda.")  # Gmail: the
        mail.expire_positions()  # current history id stays valid; the saved one is now older than that
        text, report = await call(client, "mail_get_changes")
        _, after = await call(client, "mail_get_changes")
    assert report["restarted"] == [mail.name] and report["ids"] and "saved position had expired" in text
    assert after["restarted"] == [] and after["ids"] == []
