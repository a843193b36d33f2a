"""Rotating VAULT_KEYS: every stored secret (upstream tokens, signing keys, registered clients) moves to the new key."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl

from shared.auth.errors import UpstreamLinkMissing
from shared.auth.provider import BrokeredProvider
from shared.auth.setup import SignIn, SignInSettings, build_sign_in
from shared.auth.vault import TokenVault, UpstreamTokens
from shared.state import LocalState

pytestmark = pytest.mark.anyio
K1, K2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))


def settings_from(**values: Any) -> SignInSettings:
    """Plain values, validated and coerced (str to SecretStr...) by pydantic as if read from the environment."""
    return SignInSettings(**values)


def vault_of(sign_in: SignIn) -> TokenVault:
    assert sign_in.vault is not None, "the built-in authorization server has a vault"
    return sign_in.vault


def provider_of(sign_in: SignIn) -> BrokeredProvider:
    assert sign_in.provider is not None, "the built-in authorization server has a provider"
    return sign_in.provider


def sign_in(database_url: str, vault_keys: str) -> SignIn:
    settings = settings_from(
        public_url="https://jira.example.com",
        database_url=database_url,
        vault_keys=vault_keys,
        upstream_name="atlassian",
        upstream_authorize_url="https://auth.example.com/authorize",
        upstream_token_url="https://auth.example.com/oauth/token",
        upstream_userinfo_url="https://api.example.com/me",
        upstream_client_id="client",
    )
    return build_sign_in(settings, systems=["jira"], state=LocalState())


async def test_after_reencrypt_the_old_key_can_be_removed_and_everything_still_reads(database_url: str):
    old = sign_in(database_url, f"k1:{K1}")
    await old.start()
    await vault_of(old).put("atlassian:acc-1", "atlassian", UpstreamTokens(access_token="up-at", refresh_token="up-rt"))
    client = OAuthClientInformationFull(
        client_id="dcr-1", client_secret="dcr-secret", redirect_uris=[AnyUrl("https://chatgpt.com/connector/oauth/x")]
    )
    await provider_of(old).register_client(client)
    token, _ = provider_of(old).tokens.issue(
        subject="atlassian:acc-1", client_id="dcr-1", scopes=["jira.read"], resource="https://jira.example.com/mcp"
    )
    old.close()

    rotated = sign_in(database_url, f"k2:{K2},k1:{K1}")
    await rotated.start()
    assert await rotated.reencrypt() == 3  # one upstream link, one registered client, one signing key
    assert await rotated.reencrypt() == 0
    rotated.close()

    new_only = sign_in(database_url, f"k2:{K2}")
    await new_only.start()
    assert (await new_only.upstream_tokens("atlassian:acc-1")).access_token == "up-at"
    registered = await provider_of(new_only).get_client("dcr-1")
    assert registered is not None and registered.client_secret == "dcr-secret"
    verified = await new_only.verifier.verify_token(token)
    assert verified is not None and verified.subject == "atlassian:acc-1"
    new_only.close()


async def test_dropping_a_key_before_reencrypt_makes_links_unreadable_not_deleted(database_url: str):
    old = sign_in(database_url, f"k1:{K1}")
    await old.start()
    await vault_of(old).put("atlassian:acc-1", "atlassian", UpstreamTokens(access_token="up-at"))
    old.close()
    new_only = sign_in(database_url, f"k2:{K2}")
    with pytest.raises(UpstreamLinkMissing, match="can no longer be read"):
        await vault_of(new_only).get("atlassian:acc-1", "atlassian")
    assert [link.subject for link in await vault_of(new_only).links()] == ["atlassian:acc-1"]
    new_only.close()
