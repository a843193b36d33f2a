"""The storage tools on Google Drive, through the MCP client, against the Drive sandbox."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import Connect

pytestmark = pytest.mark.anyio
TRAVEL = "10gyU_4gAIqK4-pdEuNb0lCo7pt_LI198"  # bob's private "Travel itinerary.txt"
TEAM_NOTES = "gdrive:1MZaMKA3P744B8vkKQlENCzsdfF8j61yX"


async def test_the_signed_acme_contract_and_its_termination_clause_take_two_calls(as_google: Connect):
    async with as_google() as client:
        _, found = await call(client, "search", query="signed contract with Acme")
        contract = next(r for r in found["results"] if r["title"].startswith("Signed contract with Acme"))
        _, page = await call(client, "fetch", id=contract["id"])
    assert "12. Termination" in page["text"]
    assert "ninety (90) days' written notice" in page["text"]
    assert page["url"] == contract["url"] and "/file/d/" in page["url"]


async def test_an_uploaded_file_is_found_by_the_next_search(as_google: Connect):
    async with as_google() as client:
        note = "# Zephyr\n\nGo on Monday."
        _, made = await call(
            client,
            "storage_upload_file",
            name="Zephyr launch notes",
            content=note,
            format="markdown",
            folder="Projects",
        )
        assert made["name"] == "Zephyr launch notes.md" and "Projects" not in made["id"]
        _, found = await call(client, "search", query="zephyr")
        assert [r["id"] for r in found["results"]] == [made["id"]]
        _, filtered = await call(client, "storage_search_files", words="zephyr", folder="Projects", owner="me")
        assert [f["id"] for f in filtered["files"]] == [made["id"]]


async def test_an_upload_can_become_a_google_sheet(as_google: Connect):
    async with as_google() as client:
        _, made = await call(
            client,
            "storage_upload_file",
            name="Targets",
            content="region,target\nEMEA,10\n",
            format="csv",
            convert_to="sheet",
        )
        text, _ = await call(client, "storage_search_files", words="targets", type="spreadsheet")
        sheet, page = await call(client, "storage_read_file", id=made["id"])
    assert "Targets" in text
    assert "EMEA" in sheet and "next_cursor" not in page  # read whole, through Drive's export


async def test_sharing_outside_the_allowed_domains_is_refused_and_nothing_is_shared(as_google: Connect, google):
    async with as_google() as client:
        message = await fail(client, "storage_share_file", id=TEAM_NOTES, email="mallory@evil.example", role="write")
        text, _ = await call(client, "storage_get_file", id=TEAM_NOTES)
    assert "evil.example is outside your organisation (example.com)" in message and "Nothing was shared" in message
    assert "shared with: Alice Martin <alice@example.com>: owner" in text  # no new permission
    assert not [r for r in google.control.requests() if r["method"] == "POST" and "permissions" in r["path"]]


async def test_sharing_inside_the_organisation_or_an_allowed_domain_works(as_google: Connect):
    async with as_google(allowed_share_domains="partner.org") as client:
        await call(client, "storage_share_file", id=TEAM_NOTES, email="bob@example.com")
        await call(client, "storage_share_file", id=TEAM_NOTES, email="carol@partner.org")
        text, details = await call(client, "storage_get_file", id=TEAM_NOTES)
    assert any("bob@example.com" in s for s in details["shared_with"])
    assert any("carol@partner.org" in s for s in details["shared_with"])
    assert "path: /My Drive/Team notes.txt" in text


async def test_changes_after_an_edit_return_exactly_that_file(as_google: Connect):
    async with as_google() as client:
        first, start = await call(client, "storage_get_changes")
        assert start["restarted"] == ["google-drive"] and "first sync" in first
        _, quiet = await call(client, "storage_get_changes")
        assert quiet["files"] == []
        _, moved = await call(client, "storage_move_file", id=TEAM_NOTES, new_name="Team notes (2026).txt")
        _, changed = await call(client, "storage_get_changes")
    assert [(f["id"], f["name"]) for f in changed["files"]] == [(TEAM_NOTES, "Team notes (2026).txt")]
    assert changed["restarted"] == []


async def test_an_expired_change_position_restarts_with_a_listing_and_says_so(as_google: Connect, google):
    async with as_google() as client:
        await call(client, "storage_get_changes")
        await call(client, "storage_upload_file", name="Meanwhile.txt", content="later")  # the saved position ages
        google.control.http.post(f"{google.control.base}/google/changes/expire", timeout=10).raise_for_status()
        text, report = await call(client, "storage_get_changes")
    assert report["restarted"] == ["google-drive"]
    assert "saved position had expired" in text and "full listing" in text
    assert report["files"]


async def test_alice_never_sees_bobs_private_files(as_google: Connect):
    async with as_google("bob") as bob:
        _, found = await call(bob, "search", query="travel itinerary")
        assert [r["id"] for r in found["results"]] == [f"gdrive:{TRAVEL}"]
    async with as_google("alice") as alice:
        _, found = await call(alice, "search", query="travel itinerary")
        assert f"gdrive:{TRAVEL}" not in [r["id"] for r in found["results"]]
        message = await fail(alice, "fetch", id=f"gdrive:{TRAVEL}")
    assert "Not found in Google Drive" in message


async def test_a_folder_is_named_and_an_unknown_one_gets_suggestions(as_google: Connect):
    async with as_google() as client:
        text, listed = await call(client, "storage_list_folder", folder="Contracts")
        message = await fail(client, "storage_list_folder", folder="Contrcts")
    assert {f["name"] for f in listed["files"]} == {"Signed contract with Acme.pdf", "Signed contract with Acme.docx"}
    assert 'No folder named "Contrcts"' in message


async def test_search_files_understands_french_periods_and_types(as_google: Connect):
    async with as_google() as client:
        await call(client, "storage_upload_file", name="Compte rendu", content="Réunion de lundi")
        _, week = await call(client, "storage_search_files", modified="cette semaine", type="text")
        _, old = await call(client, "storage_search_files", words="contract", type="pdf")
    assert [f["name"] for f in week["files"]] == ["Compte rendu.txt"]
    assert [f["name"] for f in old["files"]] == ["Signed contract with Acme.pdf"]


async def test_quotes_in_search_words_never_change_the_drive_query(as_google: Connect):
    async with as_google() as client:
        _, found = await call(client, "storage_search_files", words="acme' or name contains 'a")
    assert found["files"] == []


async def test_a_question_with_more_words_than_the_file_holds_still_finds_it_first(as_google: Connect):
    async with as_google() as client:
        _, found = await call(client, "search", query="where is our signed Acme contract kept nowadays")
    assert found["results"][0]["title"].startswith("Signed contract with Acme")


async def test_a_file_moved_to_another_folder_is_listed_there_and_no_longer_where_it_was(as_google: Connect):
    async with as_google() as client:
        _, moved = await call(client, "storage_move_file", id=TEAM_NOTES, to_folder="Projects")
        text, _ = await call(client, "storage_get_file", id=TEAM_NOTES)
        _, top = await call(client, "storage_list_folder")
    assert moved["id"] == TEAM_NOTES and "path: /My Drive/Projects/Team notes.txt" in text
    assert TEAM_NOTES not in [f["id"] for f in top["files"]]
