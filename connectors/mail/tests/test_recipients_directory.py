"""Recipients said by name are found in the person's contacts, their organisation's directory and their own
correspondence, on each provider, through a real MCP client over Streamable HTTP: one clear match is taken,
several are listed with where each was found (and nothing is saved), none says to give the address."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import pytest
from mcp import Client

from connectors.mail.connector import connector
from connectors.mail.runtime import MailRuntime
from connectors.mail.settings import MailSettings
from sandbox.common.control import SandboxControl
from shared.server import build_app
from shared.testing import call, fail, serve_in_thread

from .conftest import gmail_settings, outlook_settings

pytestmark = pytest.mark.anyio


@dataclass
class Site:
    name: str
    domain: str  # Alice's own domain on that provider
    control: SandboxControl
    connect: Callable[[], AbstractAsyncContextManager[Client]]

    def writes(self) -> list[dict]:
        return [r for r in self.control.requests() if r["method"] in ("POST", "PUT", "PATCH")]

    def lookups(self) -> list[str]:
        """Requests that look a person up: People/contacts/directory, or a search of the correspondence."""
        found = []
        for r in self.control.requests():
            path, query = r["path"], str(r.get("query", ""))
            if path.startswith("/v1/") or path.endswith(("/contacts", "/people", "/v1.0/users")):
                found.append(path)
            elif r["method"] == "GET" and path.endswith("/messages") and ("q=" in query or "search" in query):
                found.append(path)
        return found


@asynccontextmanager
async def over_http(settings: MailSettings) -> AsyncIterator[Client]:
    with serve_in_thread(build_app(connector, settings, MailRuntime(settings))) as base:
        async with Client(f"{base}/mcp") as client:
            yield client


@pytest.fixture(params=["gmail", "outlook"])
def site(request: pytest.FixtureRequest) -> Site:
    if request.param == "gmail":
        google = request.getfixturevalue("google")
        return Site("gmail", "example.com", google.control, lambda: over_http(gmail_settings(google.url)))
    tenant = request.getfixturevalue("tenant")
    return Site("outlook", "contoso.example", tenant.control, lambda: over_http(outlook_settings(tenant)))


async def test_draft_a_mail_to_paul_takes_the_one_paul_in_the_contacts(site: Site):
    async with site.connect() as client:
        text, draft = await call(client, "mail_create_draft", to=["Paul"], subject="Offsite", body="See you there.")
    assert f"paul.durand@{site.domain}" in text and draft["id"].startswith(f"{site.name}:")


async def test_two_maries_are_both_listed_with_where_each_was_found_and_nothing_is_saved(site: Site):
    async with site.connect() as client:
        site.control.clear_requests()
        said = await fail(client, "mail_create_draft", to=["Marie"], subject="Lunch", body="Are you free?")
    assert 'Recipient "Marie" matches several' in said
    assert f"Marie Laurent <marie.laurent@{site.domain}> (your contacts, the directory" in said
    assert "Marie Dubois <marie.dubois@acme.example> (your contacts" in said
    assert said.count("marie.laurent@") == 1  # found twice, listed once
    assert "Ask the person which one they mean" in said
    assert site.writes() == []  # never one of them picked silently


async def test_the_full_name_settles_which_marie(site: Site):
    async with site.connect() as client:
        text, _ = await call(client, "mail_create_draft", to=["Marie Dubois"], subject="Lunch", body="Free?")
    assert "marie.dubois@acme.example" in text and "marie.laurent" not in text


async def test_a_colleague_only_in_the_directory_is_found_accents_or_not(site: Site):
    async with site.connect() as client:
        text, _ = await call(client, "mail_create_draft", to=["Hugo"], subject="Budget", body="Numbers attached.")
        again, _ = await call(client, "mail_create_draft", to=["Hugo Lefevre"], subject="Budget", body="Again.")
    assert f"hugo.lefevre@{site.domain}" in text and f"hugo.lefevre@{site.domain}" in again


async def test_a_partial_address_is_completed(site: Site):
    async with site.connect() as client:
        text, _ = await call(client, "mail_create_draft", to=["marie.lau"], subject="Hi", body="Hello.")
        ended, _ = await call(client, "mail_create_draft", to=["hugo.lefevre@"], subject="Hi", body="Hello.")
    assert f"marie.laurent@{site.domain}" in text and f"hugo.lefevre@{site.domain}" in ended


async def test_an_unknown_name_says_so_and_asks_for_the_address(site: Site):
    async with site.connect() as client:
        said = await fail(client, "mail_create_draft", to=["Zebulon"], subject="x", body="y")
        partial = await fail(client, "mail_create_draft", to=["zebulon.q@"], subject="x", body="y")
    assert 'Nobody named "Zebulon" in your contacts, your organisation\'s directory' in said
    assert "ask the person for the e-mail address" in said
    assert "is not an e-mail address" in partial


async def test_an_exact_address_is_used_as_given_without_a_lookup(site: Site):
    async with site.connect() as client:
        site.control.clear_requests()
        text, _ = await call(client, "mail_create_draft", to=["Someone <someone@acme.example>"], subject="x", body="y")
        lookups = site.lookups()
        await call(client, "mail_create_draft", to=["Hugo"], subject="x", body="y")
        seen = site.lookups()
        refused = await fail(client, "mail_send", to=["someone@acme.example"], subject="x", body="y")
    assert "someone@acme.example" in text and lookups == []
    assert seen  # the name was looked up: the check above is not blind
    assert "outside your organisation" in refused  # the allowed domains still apply to a given address


async def test_the_correspondence_still_counts(site: Site):
    """Bob is a colleague Alice writes to: found whether or not he is a contact, once."""
    async with site.connect() as client:
        text, _ = await call(client, "mail_create_draft", to=["Bob"], subject="Hi", body="Hello.")
    assert f"bob@{site.domain}" in text
