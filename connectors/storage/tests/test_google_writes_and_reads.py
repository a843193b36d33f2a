"""Drive writes that must not happen twice, names that must not be guessed, and long files read page by page."""

from __future__ import annotations

import re

import pytest

from sandbox.google.testing import GoogleUnderTest
from shared.testing import call, fail

from .conftest import Connect

pytestmark = pytest.mark.anyio
ANNUAL_REPORT = "gdrive:1jBHqSiFVKu4MbMnrHontIKARAH-Ggl2J"


def uploads(google: GoogleUnderTest) -> int:
    return sum(1 for r in google.control.requests() if r["method"] == "POST" and r["path"] == "/upload/drive/v3/files")


async def test_a_tool_call_sent_again_with_its_key_reuses_the_file_even_after_a_lost_drive_answer(as_google, google):
    # Drive's answer is lost (the connector finds the file by its pre-chosen id); then the MCP client, which never
    # saw our answer either, sends the same call again: the key gives back the same file.
    google.control.clear_requests()
    google.control.fault(kind="reset", method="POST", path="^/upload/drive/v3/files$", after_write=True)
    async with as_google() as client:
        minutes = {"name": "Minutes.txt", "content": "Agreed.", "idempotency_key": "k1"}
        _, first = await call(client, "storage_upload_file", **minutes)
        _, again = await call(client, "storage_upload_file", **minutes)
        _, found = await call(client, "search", query="minutes")
    assert again["reused"] is True and again["id"] == first["id"]
    assert [r["id"] for r in found["results"]] == [first["id"]]
    assert uploads(google) == 1


async def test_the_same_key_twice_gives_the_same_file(as_google: Connect, google):
    async with as_google() as client:
        _, first = await call(client, "storage_create_folder", name="Board", idempotency_key="b1")
        _, second = await call(client, "storage_create_folder", name="Board", idempotency_key="b1")
    assert first["id"] == second["id"] and second["reused"] is True


async def test_a_folder_name_found_twice_lists_both_paths_instead_of_guessing(as_google: Connect):
    async with as_google() as client:
        await call(client, "storage_create_folder", name="Reports", parent="Projects")
        await call(client, "storage_create_folder", name="Reports", parent="Contracts")
        message = await fail(client, "storage_list_folder", folder="Reports")
        _, chosen = await call(client, "storage_upload_file", name="q.txt", content="x", folder="Projects/Reports")
        text, _ = await call(client, "storage_get_file", id=chosen["id"])
    assert 'Folder "Reports" matches several' in message
    assert "/My Drive/Projects/Reports" in message and "/My Drive/Contracts/Reports" in message
    assert "path: /My Drive/Projects/Reports/q.txt" in text


async def test_files_shared_with_me_by_a_person_named(as_google: Connect):
    async with as_google() as client:
        text, by_bob = await call(client, "storage_search_files", owner="Bob", shared_with_me=True)
        nobody, _ = await call(client, "storage_search_files", owner="Zed", shared_with_me=True)
    assert [f["name"] for f in by_bob["files"]] == ["1:1 notes with Alice"] and "Bob Nguyen" in text
    assert "No file matches" in nobody


async def test_a_long_file_is_read_page_by_page_with_an_explicit_note(as_google: Connect):
    lines = "\n".join(f"Line {n}: the quarterly numbers, region by region." for n in range(3000))
    async with as_google() as client:
        _, made = await call(client, "storage_upload_file", name="Long.txt", content=lines)
        first, page = await call(client, "storage_read_file", id=made["id"])
        second, _ = await call(client, "storage_read_file", id=made["id"], cursor=page["next_cursor"])
    assert "Line 0:" in first and "[truncated:" in first and f"cursor={page['next_cursor']}" in first
    last_on_first = max(int(n) for n in re.findall(r"Line (\d+):", first))
    assert "Line 0:" not in second and f"Line {last_on_first + 1}:" in second  # continues where the first stopped


async def test_a_short_pdf_is_read_whole(as_google: Connect):
    async with as_google() as client:
        text, page = await call(client, "storage_read_file", id=ANNUAL_REPORT)
    assert "page 50 of 50" in text and "next_cursor" not in page


async def test_a_shared_drive_is_searched_by_its_name(as_google: Connect):
    async with as_google() as client:
        _, found = await call(client, "storage_search_files", words="runbook", drive="Engineering")
        _, runbook = await call(client, "fetch", id=found["files"][0]["id"])
        message = await fail(client, "storage_search_files", words="runbook", drive="Enginering")
    assert [f["name"] for f in found["files"]] == ["Runbook.md"] and runbook["text"].strip()
    assert 'Unknown drive "Enginering"' in message and "Engineering" in message


async def test_a_google_doc_is_fetched_through_drives_markdown_export(as_google: Connect):
    async with as_google() as client:
        _, found = await call(client, "search", query="Project Phoenix plan")
        doc_id = next(r["id"] for r in found["results"] if r["title"] == "Project Phoenix plan")
        _, doc = await call(client, "fetch", id=doc_id)
    assert doc["metadata"]["type"] == "document" and "Phoenix" in doc["text"]


async def test_two_accounts_never_share_an_identity(google: GoogleUnderTest):
    from connectors.storage.runtime import StorageRuntime

    from .conftest import google_settings

    alice, bob = (
        StorageRuntime(google_settings(google.url, "alice")),
        StorageRuntime(google_settings(google.url, "bob")),
    )
    assert alice.identity() != bob.identity() and "ya29" not in alice.identity()


async def test_a_folder_asked_for_before_it_existed_is_found_once_created(as_google: Connect):
    async with as_google() as client:
        message = await fail(client, "storage_upload_file", name="a.txt", content="x", folder="Board packs")
        await call(client, "storage_create_folder", name="Board packs")
        _, made = await call(client, "storage_upload_file", name="a.txt", content="x", folder="Board packs")
        text, _ = await call(client, "storage_get_file", id=made["id"])
    assert 'No folder named "Board packs"' in message
    assert "path: /My Drive/Board packs/a.txt" in text


async def test_an_upload_into_a_shared_drive_folder_lands_there(as_google: Connect):
    async with as_google("bob") as client:
        _, made = await call(client, "storage_upload_file", name="Shared note.txt", content="Hi", folder="Design docs")
        text, _ = await call(client, "storage_get_file", id=made["id"])
    assert "path: /Engineering/Design docs/Shared note.txt" in text
