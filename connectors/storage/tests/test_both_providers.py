"""Google Drive and OneDrive enabled together: one search over both, ids that say where they belong."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import Connect

pytestmark = pytest.mark.anyio


async def test_one_search_finds_the_contract_in_both_drives_and_each_fetch_reads_its_own(as_both: Connect):
    async with as_both() as client:
        _, found = await call(client, "search", query="signed contract Acme")
        titles = {r["title"]: r["id"] for r in found["results"]}
        google = titles["Signed contract with Acme.pdf"]
        microsoft = titles["Acme - Master Services Agreement (signed).pdf"]
        _, from_google = await call(client, "fetch", id=google)
        _, from_graph = await call(client, "fetch", id=microsoft)
    assert google.startswith("gdrive:") and microsoft.startswith("onedrive:")
    assert "12. Termination" in from_google["text"] and "14. Termination" in from_graph["text"]
    assert from_google["metadata"]["provider"] == "Google Drive" and from_graph["metadata"]["provider"] == "OneDrive"


async def test_a_write_without_a_provider_asks_which_one(as_both: Connect):
    async with as_both() as client:
        message = await fail(client, "storage_create_folder", name="Q4")
        _, made = await call(client, "storage_create_folder", name="Q4", provider="onedrive")
    assert "say which with provider (google-drive or onedrive)" in message
    assert made["id"].startswith("onedrive:")


async def test_the_filtered_table_says_which_provider_each_file_is_in(as_both: Connect):
    async with as_both() as client:
        text, _ = await call(client, "storage_search_files", words="acme", type="pdf")
    assert "| provider |" in text and "| Google Drive |" in text and "| OneDrive |" in text


async def test_an_id_that_is_not_ours_gets_a_clear_message(as_both: Connect):
    async with as_both() as client:
        message = await fail(client, "storage_get_file", id="1CPhDeOZIiBOB_Y6sHrFH2ZUCr_lgotu2")
    assert "is not a storage id" in message and "gdrive:<id>" in message
