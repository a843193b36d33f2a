"""Uploads over the simple-upload caps, and connections cut mid-upload: one file every time, with every byte.

OneDrive: over 4 MB an upload session in 320 KiB-multiple ranges, resumed from `nextExpectedRanges`; a lost final
answer is found by path. Google Drive: the file's id is chosen first (files.generateIds), so a lost answer is
looked up, never sent twice; over 5 MB a resumable upload.
"""

from __future__ import annotations

import pytest

from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.testing import call, fail

from .conftest import GOOGLE_TOKENS, Connect

pytestmark = pytest.mark.anyio
SIX_MB = "".join(f"row {n:07d}: quarterly ledger line, region by region\n" for n in range(120_000))  # ~6.1 MB


def graph_uploads(tenant: TenantUnderTest) -> list[dict]:
    return [r for r in tenant.control.requests() if "uploadsession" in r["path"].lower()]


def stored_graph_file(tenant: TenantUnderTest, name: str) -> list[bytes]:
    """Every file of that name in any drive of the tenant, as stored (read from the emulator's own store)."""
    store = tenant.app.state.drives
    return [item.content for item in store.items.values() if item.name == name and not item.is_folder]


async def test_a_file_over_four_megabytes_goes_to_onedrive_through_an_upload_session(as_graph, tenant):
    tenant.control.clear_requests()
    async with as_graph() as client:
        _, made = await call(client, "storage_upload_file", name="Ledger.csv", content=SIX_MB, format="csv")
        _, found = await call(client, "storage_search_files", words="ledger", type="spreadsheet")
    assert stored_graph_file(tenant, "Ledger.csv") == [SIX_MB.encode()]
    assert made["id"] in [f["id"] for f in found["files"]]
    log = graph_uploads(tenant)
    assert [r["method"] for r in log if r["path"].endswith("createUploadSession")] == ["POST"]
    assert sum(1 for r in log if r["path"].endswith("/uploadSession")) == 2  # 3.125 MiB, then the rest


async def test_onedrive_ranges_cut_after_they_arrived_are_resumed_and_the_file_is_made_once(as_graph, tenant):
    # Both ranges reach the emulator but their answers never come back: the first is resumed from the session's
    # nextExpectedRanges; after the last the session has become the file, which is then found by its path.
    tenant.control.fault(kind="reset", method="PUT", path="/uploadSession$", after_write=True, times=2)
    async with as_graph() as client:
        _, made = await call(client, "storage_upload_file", name="Cut.txt", content=SIX_MB, folder="Notes")
        text, _ = await call(client, "storage_get_file", id=made["id"])
    assert stored_graph_file(tenant, "Cut.txt") == [SIX_MB.encode()]
    assert "path: /Notes/Cut.txt" in text
    ranges = [r for r in graph_uploads(tenant) if r["path"].endswith("/uploadSession")]
    assert [r["method"] for r in ranges] == ["PUT", "GET", "PUT", "GET"]  # never a range sent twice


async def test_an_onedrive_range_cut_before_it_arrived_is_sent_again(as_graph, tenant):
    tenant.control.fault(kind="reset", method="PUT", path="/uploadSession$")
    async with as_graph() as client:
        await call(client, "storage_upload_file", name="Again.txt", content=SIX_MB)
    assert stored_graph_file(tenant, "Again.txt") == [SIX_MB.encode()]


async def test_an_onedrive_session_upload_never_replaces_a_file_of_the_same_name(as_graph, tenant):
    async with as_graph() as client:
        await call(client, "storage_upload_file", name="Twice.txt", content=SIX_MB)
        message = await fail(client, "storage_upload_file", name="Twice.txt", content=SIX_MB[:-10])
    assert 'A file named "Twice.txt" already exists' in message
    assert stored_graph_file(tenant, "Twice.txt") == [SIX_MB.encode()]


def drive_files_named(google: GoogleUnderTest, name: str) -> list[dict]:
    drive = google.drive(GOOGLE_TOKENS["alice"])
    q = f"name = '{name}' and trashed = false"
    return list(drive.files().list(q=q, fields="files(id,size)").execute()["files"])


def drive_bytes(google: GoogleUnderTest, file_id: str) -> bytes:
    return bytes(google.drive(GOOGLE_TOKENS["alice"]).files().get_media(fileId=file_id).execute())


async def test_a_drive_upload_whose_answer_is_lost_is_found_not_repeated_even_without_a_key(as_google, google):
    google.control.clear_requests()
    google.control.fault(kind="reset", method="POST", path="^/upload/drive/v3/files$", after_write=True)
    async with as_google() as client:
        _, made = await call(client, "storage_upload_file", name="Minutes.txt", content="Agreed.")
    assert [f["id"] for f in drive_files_named(google, "Minutes.txt")] == [made["id"].removeprefix("gdrive:")]
    posts = [r for r in google.control.requests() if r["method"] == "POST" and r["path"].startswith("/upload/")]
    assert len(posts) == 1  # the id said the file was there: nothing sent twice


async def test_a_drive_upload_cut_before_it_arrived_is_sent_again_with_the_same_id(as_google, google):
    google.control.fault(kind="reset", method="POST", path="^/upload/drive/v3/files$")
    async with as_google() as client:
        _, made = await call(client, "storage_upload_file", name="Retry.txt", content="Once.")
    assert [f["id"] for f in drive_files_named(google, "Retry.txt")] == [made["id"].removeprefix("gdrive:")]


async def test_a_garbled_answer_to_a_drive_upload_is_checked_by_id_and_the_file_made_once(as_google, google):
    google.control.fault(kind="malformed", method="POST", path="^/upload/drive/v3/files$")
    async with as_google() as client:
        _, made = await call(client, "storage_upload_file", name="Garbled.txt", content="Once.")
    assert [f["id"] for f in drive_files_named(google, "Garbled.txt")] == [made["id"].removeprefix("gdrive:")]


async def test_a_drive_folder_whose_answer_is_lost_is_created_once(as_google, google):
    google.control.fault(kind="status", status=503, method="POST", path="^/drive/v3/files$", after_write=True)
    async with as_google() as client:
        _, made = await call(client, "storage_create_folder", name="Board 2027")
        _, listed = await call(client, "storage_search_files", words="board 2027", type="folder")
    assert [f["id"] for f in listed["files"]] == [made["id"]]


async def test_a_file_over_five_megabytes_goes_to_drive_resumably_and_a_cut_range_is_sent_again(as_google, google):
    google.control.clear_requests()
    google.control.fault(kind="reset", method="PUT", path="^/upload/drive/v3/files$", after_write=True)
    async with as_google() as client:
        _, made = await call(client, "storage_upload_file", name="Big ledger.csv", content=SIX_MB, format="csv")
    found = drive_files_named(google, "Big ledger.csv")
    assert [f["id"] for f in found] == [made["id"].removeprefix("gdrive:")]
    assert drive_bytes(google, found[0]["id"]) == SIX_MB.encode()
    puts = [r for r in google.control.requests() if r["method"] == "PUT"]
    assert "uploadType=resumable" in puts[0]["query"] and len(puts) == 3  # 4 MiB twice (one cut), then the rest


async def test_an_upload_then_a_search_finds_it_on_both_providers(as_both: Connect):
    async with as_both() as client:
        for provider in ("google-drive", "onedrive"):
            await call(client, "storage_upload_file", name="Quokka plan.md", content="# Q", provider=provider)
        _, found = await call(client, "search", query="quokka plan")
    quokkas = [r["id"].split(":")[0] for r in found["results"] if r["title"] == "Quokka plan.md"]
    assert sorted(quokkas) == ["gdrive", "onedrive"]
