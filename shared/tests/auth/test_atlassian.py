"""The Atlassian (3LO) adapter against the fake IdP: JSON token requests, identity, site, 403 invalid_grant."""

from __future__ import annotations

import httpx
import pytest

from shared.auth.atlassian import atlassian_adapter
from shared.auth.broker import UpstreamLoginFailed
from shared.auth.errors import InvalidGrant

from .fake_idp import CLIENT_ID, CLIENT_SECRET
from .flow import Upstreams

pytestmark = pytest.mark.anyio
CALLBACK = "https://jira.example.com/oauth/callback"


async def sign_in(upstreams: Upstreams, site_url: str | None = None):
    adapter = atlassian_adapter(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["read:me", "read:jira-work", "offline_access"],
        site_url=site_url,
        auth_base=upstreams.idp_url,
        api_base=upstreams.idp_url,
    )
    url = adapter.authorize_url("state-1", CALLBACK, [])
    async with httpx.AsyncClient() as http:
        redirect = (await http.get(url)).headers["location"]
    code = redirect.split("code=")[1].split("&")[0]
    return adapter, await adapter.exchange(code, CALLBACK)


async def test_the_atlassian_login_yields_the_account_and_the_configured_sites_cloud_id(upstreams: Upstreams):
    upstreams.idp.reset()
    adapter, (account, tokens) = await sign_in(upstreams, site_url="https://beta.atlassian.net/")
    request = upstreams.idp.authorize_requests[0]
    assert (request["audience"], request["prompt"]) == ("api.atlassian.com", "consent")
    assert request["scope"] == "read:me read:jira-work offline_access"
    assert upstreams.idp.token_bodies == ["json"]
    assert (account.account_id, account.site, tokens.site) == ("acc-alice", "cloud-2", "cloud-2")
    assert tokens.refresh_token and tokens.expires_at


async def test_an_account_without_access_to_the_configured_site_cannot_sign_in(upstreams: Upstreams):
    upstreams.idp.reset()
    with pytest.raises(UpstreamLoginFailed, match="has not granted access to https://other.atlassian.net"):
        await sign_in(upstreams, site_url="https://other.atlassian.net")


async def test_refresh_rotates_and_a_403_invalid_grant_means_the_link_is_gone(upstreams: Upstreams):
    upstreams.idp.reset()
    upstreams.idp.refusal_status = 403
    adapter, (_, tokens) = await sign_in(upstreams)
    renewed = await adapter.refresh(tokens.refresh_token)
    assert renewed.refresh_token != tokens.refresh_token
    with pytest.raises(InvalidGrant):
        await adapter.refresh(tokens.refresh_token)  # already rotated away


async def test_without_a_me_endpoint_the_account_comes_from_the_sites_myself(upstreams: Upstreams):
    upstreams.idp.reset()
    upstreams.idp.has_me = False
    _, (account, tokens) = await sign_in(upstreams, site_url="https://acme.atlassian.net")
    assert (account.account_id, account.name, account.site) == ("acc-alice", "Alice Example", "cloud-1")
