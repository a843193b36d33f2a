"""The issue's scenario over Streamable HTTP with a real MCP client, both providers in one server."""

from __future__ import annotations

import pytest
from mcp import Client

from connectors.mail.connector import connector
from connectors.mail.runtime import MailRuntime
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.server import build_app
from shared.testing import call, serve_in_thread

from .conftest import GOOGLE_TOKENS, outlook_settings

pytestmark = pytest.mark.anyio
ACME = "acme-legal.example.com"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_acme_legal_this_week_then_a_reply_sent_on_each_provider_over_http(
    google: GoogleUnderTest, tenant: TenantUnderTest, mode: str
):
    settings = outlook_settings(
        tenant,
        providers="gmail,outlook",
        google_root_url=google.url,
        google_token=GOOGLE_TOKENS["alice"],
        allowed_recipient_domains=ACME,
    )
    with serve_in_thread(build_app(connector, settings, MailRuntime(settings))) as base:
        async with Client(f"{base}/mcp", mode=mode) as client:
            tools = await client.list_tools()
            _, found = await call(client, "mail_search_messages", sender=f"claire.dubois@{ACME}", period="this week")
            newest: dict[str, str] = {}
            for m in found["messages"]:  # newest first: the first of each provider
                newest.setdefault(m["id"].split(":")[0], m["id"])
            sent = []
            for provider, message in sorted(newest.items()):
                _, draft = await call(client, "mail_reply", message_id=message, body="We accept the new date.")
                _, done = await call(client, "mail_send", draft_id=draft["id"], idempotency_key=f"accept-{provider}")
                sent.append(done)
            _, page = await call(client, "fetch", id=newest["gmail"])
    assert len(tools.tools) == len(connector.tools)
    assert sorted(newest) == ["gmail", "outlook"] and all(s["sent"] for s in sent)
    gmail_out = google.control.http.get(google.url + "/__sandbox/google/gmail/outbox").json()["messages"]
    graph_out = tenant.control.http.get(tenant.url + "/__sandbox/mail/outbox").json()["messages"]
    assert [m["to"] for m in gmail_out] == [[f"claire.dubois@{ACME}"]]
    assert [[t["address"] for t in m["to"]] for m in graph_out] == [[f"claire.dubois@{ACME}"]]
    assert all(m["html"] and m["text"] for m in gmail_out + graph_out)
    assert "We accept the new date." in page["text"] and page["url"].startswith("https://mail.google.com/")
