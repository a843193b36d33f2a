"""PolicyHttp under google-api-python-client against the Drive sandbox: throttling, 5xx, deadlines, lost answers."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.http import MediaIoBaseUpload

from sandbox.google.testing import GoogleUnderTest, running_google
from shared.circuit import CircuitBreaker
from shared.errors import NotFound, TimedOut, UncertainWrite
from shared.google_http import PolicyHttp, execute, execute_now
from shared.http import RetryPolicy, call_deadline
from shared.ratelimit import BucketRegistry, EndpointBuckets, RateTable

pytestmark = pytest.mark.anyio
POLICY = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2, max_retry_after=5, timeout=5)
CONTRACT_PDF = "1CPhDeOZIiBOB_Y6sHrFH2ZUCr_lgotu2"


@pytest.fixture(scope="module")
def site() -> Iterator[GoogleUnderTest]:
    with running_google() as running:
        yield running


@pytest.fixture
def drive(site: GoogleUnderTest) -> Iterator[Any]:
    site.control.reset()
    site.control.clear_requests()
    doc = json.loads(get_static_doc("drive", "v3") or "{}")
    doc["rootUrl"] = doc["mtlsRootUrl"] = site.url + "/"
    buckets = EndpointBuckets(BucketRegistry(1000), "alice", "Google Drive", RateTable(1000))
    http = PolicyHttp(
        "Google Drive", buckets, CircuitBreaker("Drive", threshold=50), POLICY, lambda: "ya29.sandbox-alice"
    )
    yield build_from_document(doc, http=http)
    site.control.clear_faults()


def sent(site: GoogleUnderTest, method: str, path: str) -> int:
    return sum(1 for r in site.control.requests() if r["method"] == method and r["path"] == path)


def names_in_root(drive: Any, name: str) -> int:
    found = execute_now("Drive", drive.files().list(q=f"name = '{name}' and trashed = false", fields="files(id)"))
    return len(found["files"])


async def test_a_429_with_retry_after_is_waited_out_then_the_read_succeeds(site: GoogleUnderTest, drive: Any):
    site.control.fault(kind="status", status=429, path="^/drive/v3/files$", retry_after=1, times=1)
    started = time.monotonic()
    found = await execute("Drive", drive.files().list(q="name contains 'acme'", fields="files(id,name)"))
    assert {f["name"] for f in found["files"]} >= {"Signed contract with Acme.pdf"}
    assert time.monotonic() - started >= 0.9
    assert sent(site, "GET", "/drive/v3/files") == 2


async def test_googles_403_user_rate_limit_is_retried_like_a_429(site: GoogleUnderTest, drive: Any):
    site.control.fault(kind="rate_limit", path="^/drive/v3/about$", times=1)
    about = await execute("Drive", drive.about().get(fields="user"))
    assert about["user"]["emailAddress"] == "alice@example.com"
    assert sent(site, "GET", "/drive/v3/about") == 2


async def test_a_5xx_on_a_read_is_retried(site: GoogleUnderTest, drive: Any):
    site.control.fault(kind="status", status=503, path=f"^/drive/v3/files/{CONTRACT_PDF}$", times=1)
    got = await execute("Drive", drive.files().get(fileId=CONTRACT_PDF, fields="name"))
    assert got["name"] == "Signed contract with Acme.pdf"
    assert sent(site, "GET", f"/drive/v3/files/{CONTRACT_PDF}") == 2


async def test_a_5xx_on_an_upload_is_never_replayed(site: GoogleUnderTest, drive: Any):
    site.control.fault(kind="status", status=503, method="POST", path="^/upload/drive/v3/files$", after_write=True)
    media = MediaIoBaseUpload(io.BytesIO(b"hello"), mimetype="text/plain")
    with pytest.raises(UncertainWrite, match="may or may not have been applied"):
        await execute("Drive", drive.files().create(body={"name": "Upload once.txt"}, media_body=media))
    assert sent(site, "POST", "/upload/drive/v3/files") == 1
    assert names_in_root(drive, "Upload once.txt") == 1  # applied upstream, never twice


async def test_a_create_whose_connection_is_reset_is_uncertain_and_not_replayed(site: GoogleUnderTest, drive: Any):
    site.control.fault(kind="reset", method="POST", path="^/drive/v3/files$", after_write=True)
    folder = {"name": "Reset folder", "mimeType": "application/vnd.google-apps.folder"}
    with pytest.raises(UncertainWrite):
        await execute("Drive", drive.files().create(body=folder))
    assert sent(site, "POST", "/drive/v3/files") == 1
    assert names_in_root(drive, "Reset folder") == 1


async def test_a_slow_drive_stops_at_the_call_deadline(site: GoogleUnderTest, drive: Any):
    site.control.fault(kind="timeout", path="^/drive/v3/about$", delay_ms=10_000, times=5)
    started = time.monotonic()
    with pytest.raises(TimedOut), call_deadline(1.0):
        await execute("Drive", drive.about().get(fields="user"))
    assert time.monotonic() - started < 2.5


async def test_uploads_and_downloads_go_through_the_same_http(site: GoogleUnderTest, drive: Any):
    media = MediaIoBaseUpload(io.BytesIO(b"policy text"), mimetype="text/plain")
    made = await execute("Drive", drive.files().create(body={"name": "Via policy.txt"}, media_body=media))
    assert await execute("Drive", drive.files().get_media(fileId=made["id"])) == b"policy text"
    assert sent(site, "POST", "/upload/drive/v3/files") == 1


async def test_googles_errors_become_shared_errors_with_googles_message(drive: Any):
    with pytest.raises(NotFound, match="File not found"):
        await execute("Google Drive", drive.files().get(fileId="doesnotexist"))
