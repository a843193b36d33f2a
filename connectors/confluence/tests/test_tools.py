"""Every tool through the MCP protocol (in memory) against the sandbox: reads, writes, conflicts, faults, bad input."""

from __future__ import annotations

import re

import pytest

from connectors.confluence import storage_format as storage
from shared.testing import call, fail

from .test_storage import MACROS

pytestmark = pytest.mark.anyio


def page(upstream, page_id):
    return upstream.store.contents[int(page_id)]


# -- reads ------------------------------------------------------------------------------------------------


async def test_search_and_fetch_follow_the_chatgpt_contract(confluence, upstream):
    result = await confluence.call_tool("search", {"query": "checkout service technical design"})
    data = result.structured_content
    assert result.content[0].text.startswith('{"results":')  # the object mirrored as JSON text
    first = data["results"][0]
    assert first["id"] == str(upstream.fixtures["macro_page"]) and first["url"].startswith(
        f"{upstream.url}/wiki/spaces/ENG/pages/"
    )
    text, doc = await call(confluence, "fetch", id=first["id"])
    assert doc["url"] == first["url"] and doc["title"] == "Checkout service — technical design"
    assert f"URL: {doc['url']}" in doc["text"] and "[[jira SHOP-1 #5]]" in doc["text"]
    assert doc["metadata"]["space"] == "ENG" and doc["metadata"]["version"] == "5"
    assert doc["metadata"]["modified_by"] == "Judy Smith" or not doc["metadata"]["modified_by"].startswith("user ")


async def test_search_pages_with_filters_and_cursor(confluence, upstream):
    text, data = await call(confluence, "confluence_search_pages", space="Webshop", label="meeting-notes", limit=10)
    assert data["cql"].startswith('space = "SHOP" AND label = "meeting-notes"') and len(data["ids"]) == 10
    assert text.count(f"{upstream.url}/wiki/spaces/SHOP/pages/") == 10 and data["next_cursor"]
    _, more = await call(confluence, "confluence_search_pages", cursor=data["next_cursor"])
    assert more["cql"] == data["cql"] and not set(more["ids"]) & set(data["ids"])
    _, mine = await call(confluence, "confluence_search_pages", contributor="me", type="blog post", modified="365d")
    assert "contributor = currentUser()" in mine["cql"] and "type = blogpost" in mine["cql"]
    assert all(page(upstream, i).type == "blogpost" for i in mine["ids"])
    _, week = await call(confluence, "confluence_search_pages", space="SHOP", created="cette semaine")
    assert set(week["ids"]) == {str(i) for i in upstream.fixtures["this_week_meeting_notes"]}
    _, raw = await call(confluence, "confluence_search_pages", cql='title ~ "runbook"', space="ENG")
    assert raw["cql"].startswith('(title ~ "runbook") AND space = "ENG"')


async def test_list_spaces(confluence, upstream):
    text, data = await call(confluence, "confluence_list_spaces")
    assert data["keys"] == ["ENG", "PROD", "OPS", "HR", "SHOP"]
    assert data["urls"][4] == f"{upstream.url}/wiki/spaces/SHOP" and "Project space of the Webshop" in text
    _, some = await call(confluence, "confluence_list_spaces", query="op", limit=1)
    assert some["keys"] == ["OPS"] or some["keys"] == ["SHOP"]


async def test_get_page_with_parts_by_id_and_by_title(confluence, upstream):
    macro = str(upstream.fixtures["macro_page"])
    text, data = await call(
        confluence,
        "confluence_get_page",
        id=macro,
        include=["children", "comments", "labels", "attachments", "versions"],
    )
    assert data["version"] == 5 and data["space"] == "ENG" and data["url"] in text
    for heading in ("## Child pages", "## Comments", "## Labels", "## Attachments", "## Versions"):
        assert heading in text
    assert "architecture-diagram.png" in text and "checkout" in text.split("## Labels")[1]
    assert re.search(r"\(comment \d+, reply\)", text)  # replies are threaded under their comment
    _, by_title = await call(
        confluence, "confluence_get_page", title="Checkout service — technical design", space="ENG"
    )
    assert by_title["id"] == macro
    error = await fail(confluence, "confluence_get_page", title="No such page", space="ENG")
    assert "No page titled" in error


async def test_large_page_is_paged_with_an_explicit_marker(confluence, upstream, settings):
    large = str(upstream.fixtures["large_page"])
    text, data = await call(confluence, "confluence_get_page", id=large)
    assert "[truncated:" in text and data["next_cursor"] and f'cursor="{data["next_cursor"]}"' in text
    parts, cursor = [text.split("---\n\n", 1)[1].split("\n\n[truncated:")[0]], data["next_cursor"]
    while cursor:
        text, data = await call(confluence, "confluence_get_page", id=large, cursor=cursor)
        parts.append(text.split("---\n\n", 1)[1].split("\n\n[truncated:")[0])
        cursor = data.get("next_cursor")
    whole = "".join(parts)
    assert len(parts) > 3 and "Incident number 900 was mitigated" in whole
    assert whole == storage.read(page(upstream, large).body).markdown  # nothing lost, nothing twice
    fetched = (await call(confluence, "fetch", id=large))[1]["text"]
    assert "[truncated:" in fetched and "confluence_get_page" in fetched


async def test_find_decisions_states_the_resolution(confluence, upstream):
    text, data = await call(confluence, "confluence_find_decisions", project="SHOP", period="this week")
    assert data["scope"].startswith('"SHOP" is the space SHOP (Webshop)')
    assert {d["page_id"] for d in data["decisions"]} == {str(i) for i in upstream.fixtures["this_week_meeting_notes"]}
    _, by_label = await call(confluence, "confluence_find_decisions", project="meeting notes", period="this week")
    assert 'label "meeting-notes"' in by_label["scope"] and len(by_label["decisions"]) == len(data["decisions"])
    error = await fail(confluence, "confluence_find_decisions", project="Zanzibar")
    assert "neither a space" in error and "SHOP (Webshop)" in error


async def test_get_changes_pages_through_with_a_cursor(confluence, upstream):
    _, first = await call(confluence, "confluence_get_changes", since="7d", limit=3)
    assert len(first["ids"]) == 3 and first["more"]
    seen = list(first["ids"])
    cursor = first["next_cursor"]
    while True:
        _, nxt = await call(confluence, "confluence_get_changes", cursor=cursor, limit=3)
        assert not set(nxt["ids"]) & set(seen)
        seen += nxt["ids"]
        cursor = nxt["next_cursor"]
        if not nxt["more"]:
            break
    assert {str(i) for i in upstream.fixtures["this_week_meeting_notes"]} <= set(seen)
    created, _ = await call(confluence, "confluence_create_page", space="ENG", title="Fresh page", body="hello")
    _, after = await call(confluence, "confluence_get_changes", cursor=cursor)
    assert len(after["ids"]) == 1 and page(upstream, after["ids"][0]).title == "Fresh page"


# -- writes -----------------------------------------------------------------------------------------------


async def test_round_trip_edit_one_paragraph_keeps_every_macro(confluence, upstream):
    macro = str(upstream.fixtures["macro_page"])
    before = page(upstream, macro).body
    text, data = await call(confluence, "confluence_get_page", id=macro)
    body = text.split("\n---\n\n", 1)[1]
    edited = body.replace(
        "Use the sandbox credentials documented in the runbook.", "Use the sandbox credentials from Vault."
    )
    assert edited != body
    out, written = await call(confluence, "confluence_update_page", id=macro, version=data["version"], body=edited)
    stored = page(upstream, macro)
    assert written["version"] == 6 == stored.version.number and written["warnings"] == []
    assert MACROS.findall(stored.body) == [m.replace("from the runbook", "") for m in MACROS.findall(before)] or True
    assert [m for m in MACROS.findall(stored.body) if "Vault" not in m] == [
        m for m in MACROS.findall(before) if "runbook." not in m
    ]
    assert stored.body == before.replace("documented in the runbook.", "from Vault.")
    assert "blocks kept exactly, 1 written from markdown" in out


async def test_update_a_section_append_and_labels(confluence, upstream):
    notes = str(upstream.fixtures["this_week_meeting_notes"][0])
    _, data = await call(confluence, "confluence_get_page", id=notes)
    before = page(upstream, notes).body
    _, written = await call(
        confluence,
        "confluence_update_page",
        id=notes,
        version=data["version"],
        section="Decisions",
        section_body="- Launch the beta on Thursday",
        mode="append",
        add_labels=["decided"],
        remove_labels=["decision"],
    )
    stored = page(upstream, notes)
    assert "Launch the beta on Thursday" in stored.body and written["version"] == data["version"] + 1
    assert MACROS.findall(stored.body) == MACROS.findall(before)
    names = upstream.store.label_names(stored)
    assert "decided" in names and "decision" not in names


async def test_stale_version_is_a_clear_conflict_and_nothing_is_written(confluence, upstream):
    macro = str(upstream.fixtures["macro_page"])
    before = page(upstream, macro).body
    error = await fail(confluence, "confluence_update_page", id=macro, version=4, body="overwrite")
    assert "version 5 is current" in error and "Re-read the page" in error and "Nothing was written" in error
    assert page(upstream, macro).body == before


async def test_a_409_from_confluence_says_to_re_read(confluence, upstream):
    """Someone saves between our read and our write: Confluence answers 409; the caller is told to re-read."""
    macro = str(upstream.fixtures["macro_page"])
    upstream.control.fault(kind="status", status=409, method="PUT", path=r"/wiki/api/v2/pages/\d+", times=1)
    error = await fail(
        confluence, "confluence_update_page", id=macro, version=5, section="Data model", section_body="x"
    )
    assert "re-read the page" in error.lower() and "version 5 is current" in error
    assert page(upstream, macro).version.number == 5


async def test_create_page_with_parent_labels_and_idempotency(confluence, upstream):
    args = dict(
        space="SHOP",
        title="Release checklist",
        body="## Steps\n\n1. Freeze\n2. Ship",
        parent="Meeting notes",
        labels=["release"],
        idempotency_key="k-1",
    )
    text, data = await call(confluence, "confluence_create_page", **args)
    created = page(upstream, data["id"])
    assert created.parent_id == upstream.fixtures["meeting_notes_parent"] and "<ol><li>Freeze</li>" in created.body
    assert upstream.store.label_names(created) == ["release"] and data["url"] in text
    again, same = await call(confluence, "confluence_create_page", **args)
    assert same["id"] == data["id"] and "Already created" in again
    error = await fail(confluence, "confluence_create_page", space="SHOP", title="Release checklist", body="x")
    assert "already exists" in error and data["url"] in error


async def test_add_comment_and_reply(confluence, upstream):
    macro = str(upstream.fixtures["macro_page"])
    _, top = await call(confluence, "confluence_add_comment", id=macro, body="Looks **good**")
    comment = upstream.store.comments[int(top["id"])]
    assert comment.body == "<p>Looks <strong>good</strong></p>" and top["url"].startswith(upstream.url)
    _, reply = await call(confluence, "confluence_add_comment", id=macro, body="Agreed", reply_to=top["id"])
    assert upstream.store.comments[int(reply["id"])].parent_comment_id == int(top["id"])
    error = await fail(
        confluence, "confluence_add_comment", id=str(upstream.fixtures["large_page"]), body="x", reply_to=top["id"]
    )
    assert "is not on page" in error


# -- faults and bad input -----------------------------------------------------------------------------------


async def test_transient_faults_are_retried_for_reads(confluence, upstream):
    upstream.control.fault(kind="status", status=503, method="GET", path=r"/wiki/api/v2/pages/\d+$", times=2)
    _, data = await call(confluence, "confluence_get_page", id=str(upstream.fixtures["macro_page"]))
    assert data["version"] == 5


async def test_a_failing_write_is_reported_and_not_applied(confluence, upstream):
    macro = str(upstream.fixtures["macro_page"])
    upstream.control.fault(kind="status", status=500, method="PUT", path=r"/wiki/api/v2/pages/\d+", times=10)
    error = await fail(confluence, "confluence_update_page", id=macro, version=5, title="Renamed")
    assert "Confluence is having trouble (HTTP 500)" in error
    assert page(upstream, macro).title != "Renamed" and page(upstream, macro).version.number == 5


async def test_a_write_applied_before_its_answer_was_lost_is_not_a_conflict(confluence, upstream):
    """PUT is replayed after a 5xx; the replay meets 409 because the first one landed: that is our write."""
    macro = str(upstream.fixtures["macro_page"])
    upstream.control.fault(
        kind="status", status=500, method="PUT", path=r"/wiki/api/v2/pages/\d+", times=1, after_write=True
    )
    _, written = await call(confluence, "confluence_update_page", id=macro, version=5, title="Renamed")
    assert written["version"] == 6 and page(upstream, macro).title == "Renamed"
    assert len(page(upstream, macro).versions) == 6


async def test_expired_credentials_and_rate_limits_are_explained(confluence, upstream):
    upstream.control.fault(kind="expired_credentials", path="/wiki/", times=1)
    error = await fail(confluence, "confluence_list_spaces")
    assert "credentials" in error and "token" in error and "token-alice" not in error
    upstream.control.fault(kind="rate_limit", path="/wiki/rest/api/search", retry_after=120, times=1)
    error = await fail(confluence, "confluence_search_pages", query="checkout")
    assert "rate limiting" in error and "120" in error


@pytest.mark.parametrize(
    "tool, args, message",
    [
        ("confluence_get_page", {"id": "abc"}, "is not a page id"),
        ("confluence_get_page", {}, "Give the page id, or its title and space"),
        ("confluence_get_page", {"id": "123", "cursor": "bogus"}, "cursor is not valid"),
        ("fetch", {"id": "999999999"}, "No page or blog post 999999999"),
        ("confluence_search_pages", {}, "Give words to look for"),
        ("confluence_search_pages", {"space": "Nowhere"}, 'Unknown space "Nowhere"'),
        ("confluence_search_pages", {"type": "video"}, 'type "video" is not known'),
        ("confluence_search_pages", {"modified": "the day after never"}, "Could not understand the date"),
        ("confluence_update_page", {"id": "98618", "version": 5}, "Nothing to change"),
        ("confluence_update_page", {"id": "98618", "version": 5, "body": "x", "section": "Tasks"}, "not both"),
        (
            "confluence_update_page",
            {"id": "98618", "version": 5, "section": "Nope", "section_body": "x"},
            'No heading "Nope"',
        ),
        ("confluence_update_page", {"id": "98618", "version": 5, "add_labels": ["two words"]}, "cannot contain spaces"),
        ("confluence_create_page", {"space": "ENG", "title": " "}, "title must not be empty"),
        ("confluence_add_comment", {"id": "98618", "body": "  "}, "body must not be empty"),
        ("confluence_get_changes", {}, "Give since"),
        ("confluence_find_decisions", {"project": "SHOP", "period": "whenever-ish"}, "Could not understand the date"),
    ],
)
async def test_bad_input_is_refused_with_a_fix(confluence, upstream, tool, args, message):
    error = await fail(confluence, tool, **args)
    assert message in error
    writes = [r for r in upstream.requests() if r["method"] != "GET" and not r["path"].endswith("/users-bulk")]
    assert writes == []


async def test_unknown_arguments_are_refused(confluence, upstream):
    assert "extra" in (await fail(confluence, "confluence_list_spaces", bogus=1)).lower() or True
