"""One consent, several upstream logins: the login chains through each upstream before our code goes back.

Two upstreams (both played by the fake IdP under different names, as Google and Microsoft would be for
storage) behind one authorization server over real HTTP. The subject comes from the first; the second's
tokens are stored under that subject; a token-set credential carries both, and names the one missing.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from shared.auth.broker import OAuth2Adapter, UpstreamLoginFailed, userinfo_identity
from shared.auth.credentials import VaultTokenSet
from shared.auth.errors import UpstreamLinkMissing
from shared.auth.setup import SignIn, SignInSettings, build_sign_in
from shared.caller import Caller
from shared.state import LocalState
from shared.testing import free_port, serve_in_thread

from .fake_idp import CLIENT_ID, CLIENT_SECRET
from .flow import CHATGPT_CALLBACK, Upstreams, pkce, query

pytestmark = pytest.mark.anyio
SCOPES = {
    "files": {"storage.read": ["files.read"], "storage.write": ["files.write"]},
    "docs": {"storage.read": ["docs.read"], "storage.write": ["docs.write"]},
}


def adapter(upstreams: Upstreams, name: str) -> OAuth2Adapter:
    return OAuth2Adapter(
        name=name,
        display_name=name.capitalize(),
        authorize_endpoint=f"{upstreams.idp_url}/authorize",
        token_endpoint=f"{upstreams.idp_url}/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        identify=userinfo_identity(f"{upstreams.idp_url}/me", id_field="account_id"),
    )


@contextlib.asynccontextmanager
async def chained(
    upstreams: Upstreams, database_url: str, second: OAuth2Adapter | None = None
) -> AsyncIterator[tuple[SignIn, str, httpx.AsyncClient]]:
    upstreams.idp.reset()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    values: dict[str, Any] = {
        "public_url": issuer,
        "database_url": database_url,
        "vault_keys": SecretStr("k1:" + base64.b64encode(secrets.token_bytes(32)).decode()),
        "generic_upstream": False,  # no AUTH_UPSTREAM_* needed: the upstreams are named
    }
    settings = SignInSettings(**values)
    sign_in = build_sign_in(
        settings,
        systems=["storage"],
        upstreams=[adapter(upstreams, "files"), second or adapter(upstreams, "docs")],
        scopes_by_upstream=SCOPES,
        state=LocalState(),
    )
    app = Starlette()
    sign_in.install(app)
    with serve_in_thread(app, port=port):
        async with httpx.AsyncClient(follow_redirects=False, timeout=10) as http:
            yield sign_in, issuer, http


async def start(
    http: httpx.AsyncClient, issuer: str, scope: str = "storage.read offline_access"
) -> tuple[str, str, str]:
    """Register, authorize, consent: (the first upstream's login URL, the PKCE verifier, the client id)."""
    client = (
        await http.post(
            f"{issuer}/register", json={"redirect_uris": [CHATGPT_CALLBACK], "token_endpoint_auth_method": "none"}
        )
    ).json()
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": CHATGPT_CALLBACK,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "st",
        "scope": scope,
        "resource": f"{issuer}/mcp",
    }
    step = await http.get(f"{issuer}/authorize", params=params)
    consent = await http.get(step.headers["location"])
    assert "Files and Docs" in consent.text  # the person is told both logins follow
    decided = await http.post(
        f"{issuer}/oauth/consent", data={"request": query(step.headers["location"])["request"], "decision": "allow"}
    )
    assert decided.status_code == 303
    return decided.headers["location"], verifier, client["client_id"]


async def test_each_upstream_is_asked_its_own_scopes_and_a_replayed_step_ends_the_login(upstreams, database_url):
    async with chained(upstreams, database_url) as (sign_in, issuer, http):
        first_login, _, _ = await start(http, issuer)
        assert query(first_login)["scope"] == "files.read"  # least privilege, per upstream
        to_us = (await http.get(first_login)).headers["location"]
        onward = await http.get(to_us)  # our callback: on to the second upstream, same login and browser binding
        assert onward.status_code == 302 and query(onward.headers["location"])["scope"] == "docs.read"
        replay = await http.get(to_us)  # the first callback again: its code is spent, the login ends in an error
        assert query(replay.headers["location"])["error"] == "server_error"
        late = await http.get((await http.get(onward.headers["location"])).headers["location"])
        assert late.status_code == 400 and "expired" in late.text  # no code is ever issued for it


async def test_one_consent_links_both_upstreams_under_the_first_ones_subject(upstreams, database_url):
    async with chained(upstreams, database_url) as (sign_in, issuer, http):
        first_login, verifier, client_id = await start(http, issuer)
        upstreams.idp.next_login = "acc-files"
        onward = await http.get((await http.get(first_login)).headers["location"])
        upstreams.idp.next_login = "acc-docs"
        done = await http.get((await http.get(onward.headers["location"])).headers["location"])
        assert done.status_code == 302 and done.headers["location"].startswith(CHATGPT_CALLBACK + "?")
        answer = query(done.headers["location"])
        assert answer["iss"] == issuer and answer["state"] == "st"
        tokens = (await exchange_code_for(http, issuer, client_id, answer["code"], verifier)).json()
        access = await sign_in.verifier.verify_token(tokens["access_token"])
        assert access is not None and access.subject == "files:acc-files"
        assert sign_in.vault is not None
        links = {link.upstream for link in await sign_in.vault.links(access.subject)}
        assert links == {"files", "docs"}

        keyed = {"drive": sign_in.upstreams[0], "onedrive": sign_in.upstreams[1]}
        provider = VaultTokenSet(sign_in.vault, keyed)
        caller = Caller(subject=access.subject, client_id=client_id, scopes=("storage.read",))
        credential = await provider.for_caller(caller)
        tokens_by_key = json.loads(credential.secret.get_secret_value())
        assert set(tokens_by_key) == {"drive", "onedrive"}
        assert credential.identity == "docs:acc-docs+files:acc-files"

        # After a 401 the token set is renewed (each upstream under its own lock), and the calls go on.
        renewed = await provider.refreshed(caller, credential)
        assert json.loads(renewed.secret.get_secret_value()) != tokens_by_key
        assert upstreams.idp.refreshes == 2

        await sign_in.vault.revoke(access.subject, "docs")
        with pytest.raises(UpstreamLinkMissing, match="Docs"):
            await provider.for_caller(caller)


async def test_declining_at_the_second_upstream_returns_access_denied_naming_it(upstreams, database_url):
    async with chained(upstreams, database_url) as (sign_in, issuer, http):
        first_login, _, _ = await start(http, issuer)
        onward = await http.get((await http.get(first_login)).headers["location"])
        login_id = query(onward.headers["location"])["state"]
        back = await http.get(f"{issuer}/oauth/callback", params={"state": login_id, "error": "access_denied"})
        answer = query(back.headers["location"])
        assert answer["error"] == "access_denied" and "Docs" in answer["error_description"]


class Unreachable(OAuth2Adapter):
    """An upstream whose login cannot start (msal cannot read its authority's metadata, say)."""

    def authorize_url(self, state: str, redirect_uri: str, scopes: Sequence[str]) -> str:
        raise UpstreamLoginFailed("Docs's sign-in at https://login.example could not be reached (ConnectError)")


async def test_a_second_login_that_cannot_start_ends_the_sign_in_with_a_server_error(upstreams, database_url):
    down = Unreachable(**{**vars(adapter(upstreams, "docs"))})
    async with chained(upstreams, database_url, second=down) as (sign_in, issuer, http):
        first_login, _, _ = await start(http, issuer)
        back = await http.get((await http.get(first_login)).headers["location"])
        answer = query(back.headers["location"])
        assert back.headers["location"].startswith(CHATGPT_CALLBACK + "?")
        assert answer["error"] == "server_error" and "could not be reached" in answer["error_description"]


async def exchange_code_for(
    http: httpx.AsyncClient, issuer: str, client_id: str, code: str, verifier: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CHATGPT_CALLBACK,
        "client_id": client_id,
        "code_verifier": verifier,
        "resource": f"{issuer}/mcp",
    }
    return await http.post(f"{issuer}/token", data=form)
