"""A rule acts with its owner's permissions only: what they cannot see it cannot find; with per-user sign-in it
runs with the owner's own tokens from the vault, and pauses, saying why, once the owner is disconnected."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client

from connectors.jira.connector import connector
from sandbox.atlassian.jira.catalog import CLOUD_ID
from sandbox.atlassian.users import DEMO_ACCOUNT_ID, DEMO_USER
from shared.auth.atlassian import atlassian_gateway
from shared.auth.credentials import VaultCredentials
from shared.auth.crypto import KeyRing
from shared.auth.vault import TokenVault, UpstreamTokens
from shared.caller import Caller, acting
from shared.rules import manage
from shared.rules.engine import Bound
from shared.rules.service import engine_for, rule_store
from shared.state import LocalState
from shared.testing import call, fail

from .conftest import Hooks, Served, Upstream, jira_settings
from .test_stale_blockers import STALE

pytestmark = pytest.mark.anyio


async def test_a_rule_over_a_project_its_owner_cannot_see_finds_nothing_and_says_so(
    as_mallory: Served, upstream: Upstream, hooks: Hooks
):
    hidden = {"project": "OPS", "blockers": True}
    async with Client(as_mallory.mcp_url) as jira:
        refused = await fail(jira, "jira_create_rule", condition=hidden, dry_run=True)
        assert "OPS" in refused and "not visible" in refused and "finds nothing" in refused
        refused = await fail(jira, "jira_create_rule", condition=hidden, actions=["follow_up"])
        assert "Nothing was saved" in refused
        # Said in JQL instead, the rule is saved; its runs find nothing and the status says why.
        _, data = await call(jira, "jira_create_rule", condition={"jql": "project = OPS"}, actions=["mention"])
    engine = await as_mallory.engine()
    report = await engine.run_once()
    assert report.ran == [data["id"]]
    async with Client(as_mallory.mcp_url) as jira:
        listed, _ = await call(jira, "jira_list_rules")
    assert "Not run yet" not in listed and "'OPS' does not exist" in listed
    assert not any(
        c
        for i in upstream.issues().values()
        if i.project_key == "OPS"
        for c in i.comments[-1:]
        if "matched the rule" in str(c.body)
    )


async def test_another_persons_rule_is_not_found(jira_server: Served, as_mallory: Served, hooks: Hooks):
    async with Client(jira_server.mcp_url) as jira:
        _, data = await call(jira, "jira_create_rule", condition=STALE, actions=["mention"])
    async with Client(as_mallory.mcp_url) as jira:
        listed, ids = await call(jira, "jira_list_rules")
        assert ids == {"ids": []}
        refused = await fail(jira, "jira_delete_rule", id=data["id"])
        assert "No rule" in refused
    async with Client(jira_server.mcp_url) as jira:
        text, _ = await call(jira, "jira_update_rule", id=data["id"], status="pause")
        assert "paused" in text
        listed, _ = await call(jira, "jira_list_rules")
        assert "paused by its owner" in listed
        await call(jira, "jira_delete_rule", id=data["id"])
        _, ids = await call(jira, "jira_list_rules")
    assert ids == {"ids": []}


@dataclass
class Atlassian:
    """The upstream identity provider as the vault sees it (only its name matters here: no refresh happens)."""

    name: str = "atlassian"
    display_name: str = "Atlassian"

    async def refresh(self, refresh_token: str) -> UpstreamTokens:
        raise AssertionError("no refresh expected")

    def authorize_url(self, state: str, redirect_uri: str, scopes: Any) -> str:
        raise AssertionError("nobody signs in here: the link is already in the vault")

    async def exchange(self, code: str, redirect_uri: str) -> Any:
        raise AssertionError("nobody signs in here: the link is already in the vault")


async def test_with_sign_in_a_rule_runs_with_its_owners_tokens_and_pauses_when_they_are_disconnected(
    upstream: Upstream, rules_env: dict[str, str], smtp: Any
):
    store = await rule_store()
    vault = TokenVault(store.db, KeyRing([("k1", os.urandom(32))]), LocalState())  # the vault shares the database
    await vault.start()
    await vault.put(
        "sub-alice",
        "atlassian",
        UpstreamTokens("oauth-alice", expires_at=time.time() + 3600, account_id=DEMO_ACCOUNT_ID, site=CLOUD_ID),
    )
    credentials = VaultCredentials(vault, Atlassian(), base_url=atlassian_gateway("jira", api_base=upstream.url))
    settings = jira_settings(upstream.url)
    runtime = connector.runtime(settings, credentials=credentials)
    engine = await engine_for({"jira": Bound(connector.rules, runtime)})

    token = acting.set(await credentials.for_caller(Caller(subject="sub-alice")))
    try:
        rule, _ = await manage.create(
            connector.rules,
            runtime,
            condition=STALE,
            schedule="every 30 minutes",
            actions=["mention", "alert"],
            channels=["email"],
            options={},
            name="",
            dry_run=False,
            subject="sub-alice",  # what the tool boundary reads from the verified access token
        )
    finally:
        acting.reset(token)
    upstream.control.clear_requests()
    report = await engine.run_once()
    ran = await store.get(rule.id)
    assert ran is not None
    assert ran.last_error == "" and ran.status == "active", (ran.last_error, ran.paused_reason)
    assert report.ran == [rule.id] and report.sent == 1
    gateway = [r for r in upstream.requests() if r["path"].startswith(f"/ex/jira/{CLOUD_ID}/")]
    assert gateway and all(r["account"] == DEMO_ACCOUNT_ID for r in gateway)  # as alice, through her own token
    [mail] = smtp.messages
    assert mail.recipients == [DEMO_USER]

    await vault.revoke("sub-alice")  # alice disconnects
    await engine.run_once(now=time.time() + 3600)
    paused = await store.get(rule.id)
    assert paused is not None and paused.status == "paused" and "disconnected" in paused.paused_reason
