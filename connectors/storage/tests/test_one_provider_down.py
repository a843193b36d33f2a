"""Both providers enabled, one failing: the other's files still come back, and the failure is said, not hidden."""

from __future__ import annotations

import pytest

from sandbox.google.testing import GoogleUnderTest
from shared.testing import call

from .conftest import Connect

pytestmark = pytest.mark.anyio


async def test_a_drive_outage_leaves_onedrive_searchable_and_is_named(as_both: Connect, google: GoogleUnderTest):
    google.control.fault(kind="status", status=503, method="GET", path="^/drive/v3/files$", times=100)
    async with as_both() as client:
        _, found = await call(client, "search", query="signed contract acme")
        text, filtered = await call(client, "storage_search_files", words="acme", type="pdf")
    assert found["results"] and all(r["id"].startswith("onedrive:") for r in found["results"])
    assert "Acme - Master Services Agreement (signed).pdf" in [r["title"] for r in found["results"]]
    assert [f["name"] for f in filtered["files"]] == ["Acme - Master Services Agreement (signed).pdf"]
    assert "Google Drive was left out of this search" in text
    assert "HTTP 503" in text or "calls are paused" in text  # Drive's own breaker: OneDrive's never opened


async def test_a_folder_only_one_provider_has_searches_that_one_and_says_so(as_both: Connect):
    async with as_both() as client:
        text, found = await call(client, "storage_search_files", words="meeting", folder="Notes")
    assert [f["name"] for f in found["files"]] == ["Meeting notes 2026-11-03.txt"]
    assert 'No folder named "Notes" in Google Drive' in text


async def test_changes_go_on_for_onedrive_while_drive_is_down_and_drive_starts_later(
    as_both: Connect, google: GoogleUnderTest
):
    google.control.fault(kind="status", status=503, method="GET", path="^/drive/v3/changes", times=100)
    async with as_both() as client:
        first, report = await call(client, "storage_get_changes")
        google.control.clear_faults()
        _, later = await call(client, "storage_get_changes")
    assert report["restarted"] == ["onedrive"]
    assert "Google Drive could not be read this time" in first and "position is kept" in first
    assert later["restarted"] == ["google-drive"]  # its first sync, now that it answers
