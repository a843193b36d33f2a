"""The ChatGPT side of the sign-in, for the tests: a fake IdP, a CIMD document server, and the browser steps.

Three real servers on loopback: our authorization server (built per test, on the test's database),
a fake upstream IdP (fake_idp.py) the login is brokered to, and a web server publishing client
metadata documents (`/chatgpt/client.json`, and `/evil/client.json` whose redirect URI is not allowed).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.auth.setup import SignIn, SignInSettings, build_sign_in
from shared.state import LocalState
from shared.testing import free_port, serve_in_thread

from .fake_idp import CLIENT_ID, CLIENT_SECRET, IdP

CHATGPT_CALLBACK = "https://chatgpt.com/connector_platform_oauth_redirect"
UPSTREAM_SCOPES = {
    "jira.read": ["read:jira-work"],
    "jira.write": ["write:jira-work"],
    "offline_access": ["offline_access"],
}


@dataclass
class World:
    issuer: str
    resource: str
    cimd_client_id: str
    idp: IdP
    sign_in: SignIn
    http: httpx.AsyncClient


@dataclass
class Upstreams:
    """The fake IdP and the CIMD web server: shared by the module's tests (the IdP is reset for each)."""

    idp: IdP
    idp_url: str
    cimd_base: str


def client_document(request) -> JSONResponse:
    url = str(request.url)
    redirects = ["https://evil.example.com/cb"] if request.path_params["name"] == "evil" else [CHATGPT_CALLBACK]
    return JSONResponse(
        {
            "client_id": url,
            "client_name": "ChatGPT",
            "redirect_uris": redirects,
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
        }
    )


@pytest.fixture(scope="module")
def upstreams():
    idp = IdP()
    cimd_app = Starlette(routes=[Route("/{name}/client.json", client_document)])
    with serve_in_thread(idp.app()) as idp_url, serve_in_thread(cimd_app) as cimd_base:
        yield Upstreams(idp, idp_url, cimd_base)


@pytest.fixture
def world_factory(upstreams: Upstreams, database_url: str):
    @contextlib.asynccontextmanager
    async def world(
        document: str = "chatgpt", app: Callable[[SignIn], Starlette] | None = None, **overrides: Any
    ) -> AsyncIterator[World]:
        """A fresh authorization server; `app` builds the Starlette app it is installed into (default: empty)."""
        idp = upstreams.idp
        idp.reset()
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        settings = SignInSettings(
            public_url=issuer,
            database_url=database_url,
            vault_keys=SecretStr("k1:" + base64.b64encode(secrets.token_bytes(32)).decode()),
            upstream_name="fakeidp",
            upstream_display_name="Fake IdP",
            upstream_authorize_url=f"{upstreams.idp_url}/authorize",
            upstream_token_url=f"{upstreams.idp_url}/token",
            upstream_userinfo_url=f"{upstreams.idp_url}/me",
            upstream_account_id_field="account_id",
            upstream_client_id=CLIENT_ID,
            upstream_client_secret=SecretStr(CLIENT_SECRET),
            allow_insecure_loopback_cimd=True,
            **overrides,
        )
        sign_in = build_sign_in(settings, systems=["jira"], upstream_scopes=UPSTREAM_SCOPES, state=LocalState())

        served = app(sign_in) if app is not None else Starlette()
        sign_in.install(served)
        with serve_in_thread(served, port=port):
            async with httpx.AsyncClient(follow_redirects=False, timeout=10) as http:
                yield World(
                    issuer, f"{issuer}/mcp", f"{upstreams.cimd_base}/{document}/client.json", idp, sign_in, http
                )

    return world


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def query(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def authorize(w: World, client_id: str, challenge: str, **overrides: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CHATGPT_CALLBACK,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "chatgpt-state",
        "scope": "jira.read jira.write offline_access",
        "resource": w.resource,
        **overrides,
    }
    return await w.http.get(f"{w.issuer}/authorize", params=params)


async def sign_in_through_the_browser(w: World, client_id: str, challenge: str) -> dict[str, str]:
    """Authorize, consent, log in at the upstream, come back: the parameters ChatGPT's callback receives."""
    response = await authorize(w, client_id, challenge)
    assert response.status_code == 302, response.text
    consent = await w.http.get(response.headers["location"])
    assert consent.status_code == 200 and "Connect ChatGPT?" in consent.text
    request_id = query(response.headers["location"])["request"]
    decided = await w.http.post(f"{w.issuer}/oauth/consent", data={"request": request_id, "decision": "allow"})
    assert decided.status_code == 303
    assert decided.headers["location"].startswith(w.sign_in.settings.upstream_authorize_url)
    at_idp = await w.http.get(decided.headers["location"])
    back = await w.http.get(at_idp.headers["location"])  # the upstream redirects to our callback
    assert back.status_code == 302
    assert back.headers["location"].startswith(CHATGPT_CALLBACK + "?")
    return query(back.headers["location"])


async def exchange_code(w: World, client_id: str, code: str, verifier: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CHATGPT_CALLBACK,
        "client_id": client_id,
        "code_verifier": verifier,
        "resource": w.resource,
    }
    return await w.http.post(f"{w.issuer}/token", data=form)


async def refresh(w: World, client_id: str, refresh_token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "resource": w.resource,
    }
    return await w.http.post(f"{w.issuer}/token", data=form)
