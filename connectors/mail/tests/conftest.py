"""Mail tests run the real server code against the Google sandbox (Gmail over HTTP) and the Microsoft one (HTTPS)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client

from connectors.mail.connector import connector
from connectors.mail.settings import MailSettings
from sandbox.common.control import SandboxControl
from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from shared import testing
from shared.connector import register

register(connector)  # also when the entry point is not installed yet

GOOGLE_TOKENS = {"alice": "ya29.sandbox-alice", "bob": "ya29.sandbox-bob"}
GRAPH_TOKENS = {"alice": "demo-alice", "bob": "demo-bob"}
FAST = testing.FAST_SETTINGS

# google_site / tenant_site once per session; google / tenant (freshly seeded mailboxes) per test
globals().update(testing.sandbox_fixtures(google=running_google, tenant=running_tenant))


def gmail_settings(url: str, person: str = "alice", **overrides: Any) -> MailSettings:
    values = {"providers": "gmail", "google_root_url": url, "google_token": GOOGLE_TOKENS[person]}
    return MailSettings(**(values | FAST | overrides))


def outlook_settings(tenant: TenantUnderTest, person: str = "alice", **overrides: Any) -> MailSettings:
    values = {
        "providers": "outlook",
        "graph_url": tenant.graph_url,
        "graph_token": GRAPH_TOKENS[person],
        "graph_ca_file": tenant.ca,
    }
    return MailSettings(**(values | FAST | overrides))


Connect = Callable[..., AbstractAsyncContextManager[Client]]


def connected(settings: MailSettings) -> AbstractAsyncContextManager[Client]:
    return testing.connected(connector, settings)


@pytest.fixture
def as_gmail(google: GoogleUnderTest) -> Connect:
    """`async with as_gmail("bob") as client`: an MCP client acting as that person on Gmail."""
    return lambda person="alice", **overrides: connected(gmail_settings(google.url, person, **overrides))


@pytest.fixture
def as_outlook(tenant: TenantUnderTest) -> Connect:
    return lambda person="alice", **overrides: connected(outlook_settings(tenant, person, **overrides))


@pytest.fixture
def as_both(google: GoogleUnderTest, tenant: TenantUnderTest) -> Connect:
    """Both providers enabled for one person: one token each in the same credential."""

    def connect(person: str = "alice", **overrides: Any) -> AbstractAsyncContextManager[Client]:
        values = {"providers": "gmail,outlook", "google_root_url": google.url, "google_token": GOOGLE_TOKENS[person]}
        return connected(outlook_settings(tenant, person, **(values | overrides)))

    return connect


@dataclass
class Mailbox:
    """One provider's sandbox as the provider-neutral tests see it."""

    name: str  # gmail | outlook
    connect: Connect
    control: SandboxControl
    base: str  # the sandbox's URL
    colleague: str  # Bob's address: a sandbox mailbox in Alice's domain

    def outbox(self) -> list[dict[str, Any]]:
        """Every send the sandbox recorded, as (to addresses, subject, html, text, in_reply_to)."""
        path = "/__sandbox/google/gmail/outbox" if self.name == "gmail" else "/__sandbox/mail/outbox"
        sent = self.control.http.get(self.base + path, timeout=10).json()["messages"]
        return [
            {
                "to": [t if isinstance(t, str) else t["address"] for t in m["to"]],
                "subject": m["subject"],
                "html": m["html"],
                "text": m["text"],
                "in_reply_to": m["inReplyTo"],
            }
            for m in sent
        ]

    def deliver(self, sender: str, subject: str, text: str) -> None:
        """Mail arriving in Alice's Inbox from outside."""
        if self.name == "gmail":
            raw = f"From: {sender}\nTo: alice@example.com\nSubject: {subject}\n\n{text}"
            payload: dict[str, Any] = {"to": "alice@example.com", "raw": raw}
            path = "/__sandbox/google/gmail/deliver"
        else:
            payload = {"to": "alice@contoso.example", "from": sender, "subject": subject, "text": text}
            path = "/__sandbox/mail/deliver"
        self.control.http.post(self.base + path, json=payload, timeout=10).raise_for_status()

    def expire_positions(self) -> None:
        gmail = self.name == "gmail"
        path = "/__sandbox/google/gmail/history/expire" if gmail else "/__sandbox/mail/expire-delta-tokens"
        self.control.http.post(self.base + path, json={}, timeout=10).raise_for_status()


@pytest.fixture(params=["gmail", "outlook"])
def mail(request: pytest.FixtureRequest) -> Mailbox:
    """Each test that takes `mail` runs once per provider, against that provider's sandbox, acting as Alice."""
    if request.param == "gmail":
        google: GoogleUnderTest = request.getfixturevalue("google")
        connect = request.getfixturevalue("as_gmail")
        return Mailbox("gmail", connect, google.control, google.url, "bob@example.com")
    tenant: TenantUnderTest = request.getfixturevalue("tenant")
    return Mailbox("outlook", request.getfixturevalue("as_outlook"), tenant.control, tenant.url, "bob@contoso.example")
