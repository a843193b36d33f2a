"""SEP-990 over real HTTP: the company's IdP vouches for a person with an ID-JAG, the SDK's own
`IdentityAssertionOAuthProvider` trades it for our access token, and the person's first tool call offers a one-time
link page that connects their Atlassian account (the sandbox's login), after which tools act with it.

The enterprise IdP here is a key pair and a JWKS served on loopback; everything else is the real server with the
built-in authorization server (AUTH_ID_JAG_* set), the real MCP client, and the Atlassian sandbox.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from mcp import Client
from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.jira.connector import connector
from sandbox.atlassian.entry import sign_in_env as atlassian_sign_in
from sandbox.atlassian.oauth_testing import approve
from sandbox.atlassian.testing import running_site
from shared import cli
from shared.settings import load_settings
from shared.testing import free_port, serve_in_thread

pytestmark = pytest.mark.anyio

CLIENT_ID, CLIENT_SECRET = "enterprise-agent", "enterprise-agent-secret-" + secrets.token_hex(8)
IDP = "https://idp.example.com"


@dataclass
class Deployment:
    mcp: str
    issuer: str
    key: ECKey  # the enterprise IdP's signing key

    def assertion(self, person: str = "mallory", **changes: Any) -> str:
        """An ID-JAG as the IdP would issue it for `person`; `changes` alter or (None) drop claims and header."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": IDP,
            "sub": f"{person}-at-idp",
            "aud": self.issuer,
            "client_id": CLIENT_ID,
            "resource": self.mcp,
            "scope": "jira.read jira.write",
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + 300,
        }
        header = {"alg": "ES256", "kid": self.key.kid, "typ": "oauth-id-jag+jwt"}
        for name, value in changes.items():
            target = header if name in ("typ", "alg") else claims
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
        return jwt.encode(header, claims, self.key, algorithms=["ES256"])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    key = ECKey.generate_key("P-256", parameters={"kid": "idp-key-1"})
    jwks = KeySet([key]).as_dict(private=False)
    idp = Starlette(routes=[Route("/jwks", lambda request: JSONResponse(jwks))])
    with running_site() as site, serve_in_thread(idp) as idp_url, pytest.MonkeyPatch.context() as env:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        for name, value in {
            "JIRA_URL": site.url,
            "AUTH_PUBLIC_URL": issuer,
            "AUTH_SQLITE_PATH": str(tmp_path_factory.mktemp("vault") / "connectors.db"),
            "VAULT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            **atlassian_sign_in(site.url),  # the sandbox's 3LO app, as `connectors demo --auth` uses it
            "AUTH_ID_JAG_ISSUER": IDP,
            "AUTH_ID_JAG_JWKS_URL": f"{idp_url}/jwks",
            "AUTH_ID_JAG_CLIENT_ID": CLIENT_ID,
            "AUTH_ID_JAG_CLIENT_SECRET": CLIENT_SECRET,
        }.items():
            env.setenv(name, value)
        env.delenv("JIRA_EMAIL", raising=False)
        env.delenv("JIRA_API_TOKEN", raising=False)
        settings = load_settings(connector.settings, rate_limit_per_second=1000)
        served = cli._served(connector, settings, port)
        with serve_in_thread(served.app, port=port):
            env.undo()
            yield Deployment(f"{issuer}/mcp", issuer, key)


class Memory:
    """The SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return None

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        pass


async def call(d: Deployment, person: str, tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    """(is_error, text) of one tool call by the enterprise client for `person`, through the SDK's SEP-990 client."""

    async def assertion_for(audience: str, resource: str) -> str:
        assert audience == d.issuer and resource == d.mcp  # what the client asks the IdP to vouch for
        return d.assertion(person)

    auth = IdentityAssertionOAuthProvider(d.mcp, Memory(), CLIENT_ID, CLIENT_SECRET, d.issuer, assertion_for)
    async with httpx2.AsyncClient(auth=auth, timeout=30) as http:
        async with Client(streamable_http_client(d.mcp, http_client=http)) as client:
            result = await client.call_tool(tool, arguments)
    text = "\n".join(getattr(item, "text", "") for item in result.content)
    return result.is_error, text


def link_in(text: str, d: Deployment) -> str:
    found = re.search(rf"{re.escape(d.issuer)}/oauth/link/atlassian/[A-Za-z0-9_-]+", text)
    assert found, text
    return found.group(0)


def connect(link: str, person: str) -> requests.Response:
    """What the person does with the link: open it, press the button, sign in at Atlassian, land on our page."""
    http = requests.Session()
    page = http.get(link, timeout=10)
    assert page.status_code == 200 and "Connect your Atlassian account" in page.text
    sent = http.post(link, allow_redirects=False, timeout=10)
    assert sent.status_code == 303
    back = approve(sent.headers["location"], person)
    return http.get(back, timeout=10)


async def test_an_identity_assertion_signs_a_person_in_and_a_one_time_link_connects_their_account(deployment):
    is_error, text = await call(deployment, "mallory", "jira_list_projects", {})
    assert is_error and "not connected to this server yet" in text
    link = link_in(text, deployment)
    done = connect(link, "mallory")
    assert done.status_code == 200 and "Atlassian connected" in done.text
    assert requests.get(link, timeout=10).status_code == 410  # once only
    is_error, text = await call(deployment, "mallory", "jira_list_projects", {})
    assert not is_error, text
    assert "SHOP" in text and "OPS" not in text  # Mallory's own Atlassian permissions: no OPS project


async def test_the_metadata_offers_the_identity_assertion_grant(deployment):
    metadata = requests.get(f"{deployment.issuer}/.well-known/oauth-authorization-server", timeout=10).json()
    assert "urn:ietf:params:oauth:grant-type:jwt-bearer" in metadata["grant_types_supported"]
    assert "urn:ietf:params:oauth:grant-profile:id-jag" in metadata["authorization_grant_profiles_supported"]


def exchange(d: Deployment, assertion: str, secret: str = CLIENT_SECRET, **form: str) -> requests.Response:
    return requests.post(
        f"{d.issuer}/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": assertion,
            "client_id": CLIENT_ID,
            "client_secret": secret,
            **form,
        },
        timeout=10,
    )


def test_an_accepted_assertion_gives_an_access_token_for_this_server_and_no_refresh_token(deployment):
    answer = exchange(deployment, deployment.assertion(scope="jira.read"))
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["scope"] == "jira.read" and "refresh_token" not in tokens
    payload = tokens["access_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["aud"] == deployment.mcp and claims["sub"] == "idp:mallory-at-idp"


@pytest.mark.parametrize(
    ("case", "changes", "error"),
    [
        ("another audience", {"aud": "https://other.example.com"}, "invalid_grant"),
        ("another issuer", {"iss": "https://evil.example.com"}, "invalid_grant"),
        ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "invalid_grant"),
        ("not an ID-JAG", {"typ": "JWT"}, "invalid_grant"),
        ("no subject", {"sub": None}, "invalid_grant"),
        ("another client", {"client_id": "someone-else"}, "invalid_grant"),
        ("another resource", {"resource": "https://other.example.com/mcp"}, "invalid_target"),
        ("no jti", {"jti": None}, "invalid_grant"),
        ("scopes it does not carry", {"scope": "jira.read"}, None),
    ],
)
def test_a_bad_assertion_is_refused_with_the_right_error(deployment, case, changes, error):
    if error is None:  # asking for more than the assertion carries
        answer = exchange(deployment, deployment.assertion(**changes), scope="jira.read jira.write")
        error = "invalid_scope"
    else:
        answer = exchange(deployment, deployment.assertion(**changes))
    assert answer.status_code == 400, (case, answer.text)
    assert answer.json()["error"] == error, (case, answer.text)


def test_an_assertion_works_once(deployment):
    assertion = deployment.assertion()
    assert exchange(deployment, assertion).status_code == 200
    replay = exchange(deployment, assertion)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_forged_assertions_are_refused(deployment):
    real = deployment.assertion()
    header, payload, _ = real.split(".")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"oauth-id-jag+jwt"}').decode().rstrip("=")
    other = ECKey.generate_key("P-256", parameters={"kid": deployment.key.kid})
    for forged in (
        f"{unsigned}.{payload}.",  # alg none
        f"{header}.{payload}.{base64.urlsafe_b64encode(b'x' * 64).decode().rstrip('=')}",  # bad signature
        Deployment(deployment.mcp, deployment.issuer, other).assertion(),  # signed by another key
        "not-a-jwt",
    ):
        answer = exchange(deployment, forged)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant", answer.text


def test_only_the_provisioned_client_with_its_secret_may_present_assertions(deployment):
    wrong_secret = exchange(deployment, deployment.assertion(), secret="guess")
    assert wrong_secret.status_code == 401
    registered = requests.post(
        f"{deployment.issuer}/register",
        json={
            "redirect_uris": ["https://chatgpt.com/connector_platform_oauth_redirect"],
            "grant_types": ["authorization_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
            "token_endpoint_auth_method": "client_secret_post",
        },
        timeout=10,
    )
    assert registered.status_code == 400  # the grant is never given to a self-registered client


async def test_the_link_and_the_assertion_never_reach_a_log_line(deployment, caplog):
    caplog.set_level(logging.DEBUG)
    is_error, text = await call(deployment, "bob", "jira_list_projects", {})
    assert is_error
    link = link_in(text, deployment)
    token = link.rsplit("/", 1)[1]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged and "eyJ" not in logged
