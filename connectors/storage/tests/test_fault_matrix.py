"""The fault matrix, per provider, through the MCP client over real HTTP to the sandboxes' fault controls.

Each upstream fault is injected once into the request a `search` makes (Drive `files.list`, Graph `search`):
a throttle with Retry-After, a 5xx, a timeout, a reset are waited out or retried inside the tool call; a
malformed body, a lasting outage and a refused token end in a plain message, never a stack trace; a token refused
by the upstream is renewed once through the credential provider and the call goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.storage.runtime import StorageRuntime
from connectors.storage.settings import StorageSettings
from sandbox.common.control import SandboxControl
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.credentials import Credential
from shared.testing import call, fail

from .conftest import connected, google_settings, graph_settings

pytestmark = pytest.mark.anyio
TRACEBACK_WORDS = ("Traceback", "Error(", 'File "', "googleapiclient", "httpx.")


@dataclass
class Site:
    """One provider under test: how to build its settings, its fault control, and what `search` asks it."""

    name: str
    settings: Any  # (**overrides) -> StorageSettings
    control: SandboxControl
    search_path: str  # the regex of the upstream request `search` makes
    token_setting: str

    def searches(self) -> list[dict]:
        return [r for r in self.control.requests() if _matches(self.search_path, r["path"])]


def _matches(pattern: str, path: str) -> bool:
    import re

    return re.search(pattern, path) is not None


@pytest.fixture(params=["google-drive", "onedrive"])
def site(request: pytest.FixtureRequest) -> Site:
    if request.param == "google-drive":
        google: GoogleUnderTest = request.getfixturevalue("google")
        return Site(
            "google-drive",
            lambda **o: google_settings(google.url, **o),
            google.control,
            "^/drive/v3/files$",
            "STORAGE_GOOGLE_TOKEN",
        )
    tenant: TenantUnderTest = request.getfixturevalue("tenant")
    return Site(
        "onedrive", lambda **o: graph_settings(tenant, **o), tenant.control, r"/search\(", "STORAGE_GRAPH_TOKEN"
    )


async def search_acme(settings: StorageSettings, runtime: StorageRuntime | None = None) -> list[str]:
    async with connected(settings, runtime) as client:
        _, found = await call(client, "search", query="signed contract acme")
    return [r["title"] for r in found["results"]]


async def search_fails(settings: StorageSettings) -> str:
    async with connected(settings) as client:
        message = await fail(client, "search", query="signed contract acme")
    assert not any(word in message for word in TRACEBACK_WORDS), message
    return message


def signed(titles: list[str]) -> bool:
    return any("signed" in t.lower() and "acme" in t.lower() for t in titles)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "rate_limit", "retry_after": 1},
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 500, "retry_after": 1},
        {"kind": "reset"},
    ],
    ids=["429-retry-after", "503", "500-retry-after", "reset"],
)
async def test_a_passing_fault_is_retried_inside_the_call(site: Site, fault: dict):
    site.control.clear_requests()
    site.control.fault(method="GET", path=site.search_path, **fault)
    assert signed(await search_acme(site.settings()))
    statuses = [r["status"] for r in site.searches()]
    assert len(statuses) >= 2 and statuses[-1] == 200  # the faulted request, then a good one


async def test_a_timeout_is_given_up_on_and_the_read_tried_again(site: Site):
    site.control.clear_requests()
    site.control.fault(kind="timeout", method="GET", path=site.search_path, delay_ms=20_000)
    assert signed(await search_acme(site.settings(http_timeout_seconds=1, call_deadline_seconds=15)))
    assert [r["status"] for r in site.searches()][-1] == 200


async def test_drive_throttling_answered_as_403_user_rate_limit_is_waited_out(google: GoogleUnderTest):
    google.control.configure(rate_limits={"GET": 1})
    settings = google_settings(google.url)
    try:
        assert signed(await search_acme(settings))
        assert signed(await search_acme(settings))  # the second search meets the per-user limit
    finally:
        google.control.configure(rate_limits=False)
    assert 403 in [r["status"] for r in google.control.requests()]


@pytest.mark.parametrize("answer", [403, 429], ids=["403-userRateLimitExceeded", "429-RESOURCE_EXHAUSTED"])
async def test_drives_own_throttling_answers_are_waited_out(google: GoogleUnderTest, answer: int):
    google.control._call("POST", "google/quota", {"answer": answer})
    google.control.clear_requests()
    google.control.fault(kind="rate_limit", method="GET", path="^/drive/v3/files$", retry_after=1)
    try:
        assert signed(await search_acme(google_settings(google.url)))
    finally:
        google.control._call("POST", "google/quota", {"answer": 403})
    statuses = [r["status"] for r in google.control.requests() if r["path"] == "/drive/v3/files"]
    assert statuses[0] == answer and statuses[-1] == 200


async def test_a_malformed_body_is_a_plain_message(site: Site):
    site.control.fault(kind="malformed", method="GET", path=site.search_path, times=5)
    message = await search_fails(site.settings())
    assert "unreadable" in message or "malformed" in message.lower(), message


async def test_a_lasting_outage_is_a_plain_message_saying_to_try_again(site: Site):
    site.control.fault(kind="status", status=503, method="GET", path=site.search_path, times=20)
    message = await search_fails(site.settings())
    assert "HTTP 503" in message and "Try again" in message


async def test_a_refused_configured_token_names_the_setting_to_renew(site: Site):
    site.control.fault(kind="expired_credentials", method="GET", path=site.search_path)
    message = await search_fails(site.settings())
    assert "expired or revoked" in message and "renew" in message


class Vault:
    """Stands in for the token vault: hands out a stale token until asked to renew it (what a refresh does)."""

    def __init__(self, stale: str, fresh: str):
        self.current = Credential("storage:alice", "bearer", SecretStr(stale))
        self.fresh, self.renewals = Credential("storage:alice", "bearer", SecretStr(fresh)), 0

    async def for_caller(self, caller: Any) -> Credential:
        return self.current

    def default(self) -> Credential:
        return self.current

    async def refreshed(self, caller: Any, credential: Credential) -> Credential:
        self.renewals += 1
        self.current = self.fresh
        return self.fresh


async def test_an_expired_token_is_renewed_once_and_the_call_goes_on(site: Site):
    settings = site.settings()
    fresh = (settings.google_token or settings.graph_token or SecretStr("")).get_secret_value()
    vault = Vault("expired-token", fresh)
    site.control.clear_requests()
    titles = await search_acme(settings, StorageRuntime(settings, credentials=vault))
    assert signed(titles) and vault.renewals == 1
    assert [r["status"] for r in site.control.requests()][:1] == [401]  # the stale token was refused first


async def test_a_throttled_upload_is_waited_out_and_makes_one_file(site: Site):
    # A throttle refuses the request before it runs (Drive: 403 userRateLimitExceeded; Graph: 429): sending the
    # write again is safe, and the policy does so after Retry-After.
    path = "^/upload/drive/v3/files$" if site.name == "google-drive" else "/content$"
    method = "POST" if site.name == "google-drive" else "PUT"
    site.control.fault(kind="rate_limit", method=method, path=path, retry_after=1)
    site.control.clear_requests()
    async with connected(site.settings()) as client:
        _, made = await call(client, "storage_upload_file", name="Throttled.txt", content="Once.")
        _, found = await call(client, "search", query="throttled")
    assert [r["id"] for r in found["results"] if r["title"] == "Throttled.txt"] == [made["id"]]
    writes = [r["status"] for r in site.control.requests() if r["method"] == method and _matches(path, r["path"])]
    assert writes[0] in (403, 429) and writes[-1] in (200, 201) and len(writes) == 2
