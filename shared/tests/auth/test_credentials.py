"""Per-user OAuth as a credential provider: the caller's own upstream token, refreshed, or a reconnect."""

from __future__ import annotations

import pytest

from shared.auth.atlassian import atlassian_gateway
from shared.auth.credentials import VaultCredentials
from shared.auth.crypto import KeyRing
from shared.auth.db import Database
from shared.auth.errors import InvalidGrant, UpstreamLinkMissing
from shared.auth.vault import TokenVault, UpstreamTokens
from shared.caller import ANONYMOUS, Caller
from shared.errors import ConfigError
from shared.state import LocalState

pytestmark = pytest.mark.anyio
ALICE = Caller(subject="atlassian:acc-1", client_id="chatgpt", scopes=("jira.read",))


class Upstream:
    name, display_name = "atlassian", "Atlassian"

    def __init__(self) -> None:
        self.refreshes = 0

    def authorize_url(self, state, redirect_uri, scopes) -> str:
        return "unused"

    async def exchange(self, code, redirect_uri):
        raise NotImplementedError

    async def refresh(self, refresh_token: str) -> UpstreamTokens:
        if refresh_token != f"rt-{self.refreshes}":
            raise InvalidGrant()
        self.refreshes += 1
        return UpstreamTokens(access_token=f"at-{self.refreshes}", refresh_token=f"rt-{self.refreshes}")


@pytest.fixture
async def vault(database: Database) -> TokenVault:
    vault = TokenVault(database, KeyRing.generate(), LocalState())
    await vault.start()
    await vault.put(ALICE.subject, "atlassian", UpstreamTokens("at-0", "rt-0", account_id="acc-1", site="cloud-1"))
    return vault


async def test_the_caller_gets_a_bearer_credential_for_their_own_account_and_site(vault: TokenVault):
    provider = VaultCredentials(vault, Upstream(), base_url=atlassian_gateway("jira"))
    credential = await provider.for_caller(ALICE)
    assert (credential.scheme, credential.secret.get_secret_value()) == ("bearer", "at-0")
    assert credential.identity == "atlassian:acc-1@cloud-1"
    assert credential.base_url == "https://api.atlassian.com/ex/jira/cloud-1"
    assert "at-0" not in repr(credential)


async def test_after_a_401_the_credential_is_refreshed_once(vault: TokenVault):
    upstream = Upstream()
    provider = VaultCredentials(vault, upstream)
    refused = await provider.for_caller(ALICE)
    renewed = await provider.refreshed(ALICE, refused)
    assert renewed.secret.get_secret_value() == "at-1" and renewed.fingerprint != refused.fingerprint
    again = await provider.refreshed(ALICE, refused)  # a second request that saw the same 401
    assert again.secret.get_secret_value() == "at-1" and upstream.refreshes == 1


async def test_a_caller_without_a_link_or_without_a_sign_in_is_asked_to_reconnect(vault: TokenVault):
    provider = VaultCredentials(vault, Upstream())
    with pytest.raises(UpstreamLinkMissing, match="not connected"):
        await provider.for_caller(Caller(subject="atlassian:someone-else"))
    with pytest.raises(UpstreamLinkMissing, match="nobody is signed in"):
        await provider.for_caller(ANONYMOUS)
    with pytest.raises(ConfigError):
        provider.default()
