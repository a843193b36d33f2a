"""The mail tool surface: small, explicit hints, snapshots current; and `doctor` on each provider."""

from __future__ import annotations

import json

import pytest

from connectors.mail.connector import connector
from connectors.mail.runtime import MailRuntime
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.server import build_server
from shared.testing import assert_snapshot, listed_tools, tool_surface_problems

from .conftest import gmail_settings, outlook_settings

pytestmark = pytest.mark.anyio


async def listed() -> list[dict]:
    settings = gmail_settings("http://127.0.0.1:9")
    return await listed_tools(build_server(connector, settings, MailRuntime(settings)))


async def test_tools_list_is_within_ten_thousand_bytes_with_every_hint_explicit():
    tools = await listed()
    assert [t["name"] for t in tools] == [t.name for t in connector.tools]
    assert len(json.dumps(tools, separators=(",", ":"))) <= 10_000
    assert [p for t in tools for p in tool_surface_problems(t)] == []


async def test_sending_is_destructive_and_open_world_and_updates_never_say_delete():
    hints = {t["name"]: t["annotations"] for t in await listed()}
    for name in ("mail_send", "mail_reply"):
        assert hints[name]["destructiveHint"] and hints[name]["openWorldHint"]
    assert not hints["mail_create_draft"]["destructiveHint"] and not hints["mail_create_draft"]["openWorldHint"]
    assert hints["mail_update_messages"]["destructiveHint"] and not hints["mail_update_messages"]["openWorldHint"]


async def test_snapshots_are_current():
    assert connector.snapshots is not None
    tools = await listed()
    for tool in tools:
        assert_snapshot(connector.snapshots / f"{tool['name']}.json", tool)
    assert sorted(p.stem for p in connector.snapshots.glob("*.json")) == sorted(t["name"] for t in tools)


async def test_doctor_signs_in_to_gmail_and_names_the_setting_when_the_token_is_refused(google: GoogleUnderTest):
    good = await MailRuntime(gmail_settings(google.url)).checks()
    bad = await MailRuntime(gmail_settings(google.url, google_token="ya29.wrong")).checks()
    assert [(c.name, c.ok) for c in good] == [("gmail credentials", True)] and "alice@example.com" in good[0].detail
    assert not bad[0].ok and "MAIL_GOOGLE_TOKEN" in bad[0].detail and "ya29.wrong" not in bad[0].detail


async def test_doctor_signs_in_to_outlook_and_names_the_setting_when_the_token_is_refused(tenant: TenantUnderTest):
    good = await MailRuntime(outlook_settings(tenant)).checks()
    bad = await MailRuntime(outlook_settings(tenant, graph_token="not-a-token")).checks()
    assert [(c.name, c.ok) for c in good] == [("outlook credentials", True)]
    assert "Alice Martin <alice@contoso.example>" in good[0].detail
    assert not bad[0].ok and "MAIL_GRAPH_TOKEN" in bad[0].detail and "not-a-token" not in bad[0].detail
