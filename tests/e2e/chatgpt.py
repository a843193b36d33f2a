"""ChatGPT's side of per-user sign-in, over real HTTP: what every sign-in test plays before and after the upstream
logins (which differ: Atlassian's page; Google's then Microsoft's)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

CALLBACK = "http://127.0.0.1:1/chatgpt-callback"  # never contacted: the tests read the redirect themselves


def pkce() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def sign_in_as_chatgpt(
    mcp: str,
    issuer: str,
    scope: str,
    log_in: Callable[[requests.Session, str], str],
    *,
    consent_says: str = "",
) -> dict[str, Any]:
    """The whole flow: the 401, the resource and authorization-server metadata, DCR, code + PKCE with `resource`,
    our consent page, then `log_in(http, where our consent sent the person)` (the upstream logins, returning the URL
    our last callback is reached at), the redirect back with `state` and `iss`, and the token request. Returns the
    token response with `client_id` and `token_endpoint`."""
    http = requests.Session()
    challenge = http.post(mcp, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=10)
    assert challenge.status_code == 401
    assert "resource_metadata=" in challenge.headers["www-authenticate"]
    metadata = http.get(f"{issuer}/.well-known/oauth-protected-resource/mcp", timeout=10).json()
    assert metadata["resource"] == mcp
    server = http.get(
        f"{metadata['authorization_servers'][0].rstrip('/')}/.well-known/oauth-authorization-server", timeout=10
    ).json()
    assert server["code_challenge_methods_supported"] == ["S256"] and "offline_access" in server["scopes_supported"]
    client = http.post(
        server["registration_endpoint"],
        json={
            "redirect_uris": [CALLBACK],
            "token_endpoint_auth_method": "none",
            "client_name": "ChatGPT (test)",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        },
        timeout=10,
    ).json()
    verifier, code_challenge = pkce()
    step = http.get(
        server["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": CALLBACK,
            "state": "s1",
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "scope": scope,
            "resource": mcp,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert step.status_code == 302, step.text[:300]
    consent = http.get(step.headers["location"], timeout=10)
    assert consent.status_code == 200 and consent_says in consent.text
    decided = http.post(
        f"{issuer}/oauth/consent",
        data={"request": query(step.headers["location"])["request"], "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    done = http.get(log_in(http, decided.headers["location"]), allow_redirects=False, timeout=10)
    assert done.status_code == 302 and done.headers["location"].startswith(CALLBACK), done.text[:300]
    answer = query(done.headers["location"])
    assert answer["state"] == "s1" and answer["iss"] == issuer and "code" in answer, answer  # RFC 9207
    tokens = http.post(
        server["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": CALLBACK,
            "client_id": client["client_id"],
            "code_verifier": verifier,
            "resource": mcp,
        },
        timeout=10,
    ).json()
    assert tokens["token_type"].lower() == "bearer" and tokens.get("refresh_token"), tokens
    return {**tokens, "client_id": client["client_id"], "token_endpoint": server["token_endpoint"]}
