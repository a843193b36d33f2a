"""Google's OAuth 2.0 identity provider: consent form, code exchange, refresh without rotation, revoke, userinfo."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

from sandbox.google.testing import GoogleUnderTest, drive_service
from sandbox.google.tokens import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

REDIRECT = "http://127.0.0.1:8765/callback"
SCOPES = "openid email https://www.googleapis.com/auth/drive.readonly"


def authorize(http: httpx.Client, user: str = "bob@example.com", **extra: str) -> dict[str, list[str]]:
    """Drive the consent page as a browser would: GET the form, POST the chosen account, read the redirect."""
    params = {
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPES,
        "state": "xyz",
        "access_type": "offline",
        "prompt": "consent",
        **extra,
    }
    page = http.get("/o/oauth2/v2/auth", params=params)
    assert page.status_code == 200 and "<form method='post'" in page.text and user in page.text
    answer = http.post("/o/oauth2/v2/auth", data={**params, "user": user, "decision": "allow"})
    assert answer.status_code == 302 and answer.headers["location"].startswith(REDIRECT + "?")
    return parse_qs(urlsplit(answer.headers["location"]).query)


def exchange(http: httpx.Client, code: str, **extra: str) -> httpx.Response:
    return http.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            **extra,
        },
    )


@pytest.fixture()
def http(fresh: GoogleUnderTest):
    with httpx.Client(base_url=fresh.url) as client:
        yield client


def test_the_code_flow_issues_tokens_that_call_drive_as_the_chosen_user(
    fresh: GoogleUnderTest, http: httpx.Client
) -> None:
    query = authorize(http)
    assert query["state"] == ["xyz"]
    tokens = exchange(http, query["code"][0]).json()
    assert set(tokens) == {"access_token", "expires_in", "refresh_token", "scope", "token_type", "id_token"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    me = http.get("/oauth2/v3/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["email"] == "bob@example.com" and me["hd"] == "example.com"
    about = drive_service(fresh.url, tokens["access_token"]).about().get(fields="user").execute()
    assert about["user"]["emailAddress"] == "bob@example.com"


def test_a_code_works_once(http: httpx.Client) -> None:
    code = authorize(http)["code"][0]
    assert exchange(http, code).status_code == 200
    again = exchange(http, code)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant", "error_description": "Bad Request"}


def test_pkce_s256_is_checked(http: httpx.Client) -> None:
    verifier = "a" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = authorize(http, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    assert exchange(http, code, code_verifier="b" * 50).json()["error"] == "invalid_grant"
    code = authorize(http, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    assert exchange(http, code, code_verifier=verifier).status_code == 200


def test_denying_consent_redirects_with_access_denied(http: httpx.Client) -> None:
    params = {
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPES,
        "state": "s1",
    }
    answer = http.post("/o/oauth2/v2/auth", data={**params, "user": "alice@example.com", "decision": "deny"})
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {"error": ["access_denied"], "state": ["s1"]}


def test_an_unknown_client_gets_an_error_page_not_a_consent_form(http: httpx.Client) -> None:
    page = http.get(
        "/o/oauth2/v2/auth",
        params={"client_id": "nope", "redirect_uri": REDIRECT, "response_type": "code", "scope": SCOPES},
    )
    assert page.status_code == 401 and "invalid_client" in page.text and "<form" not in page.text


def test_refresh_does_not_rotate_and_google_auth_refreshes_expired_tokens(
    fresh: GoogleUnderTest, http: httpx.Client
) -> None:
    tokens = exchange(http, authorize(http)["code"][0]).json()
    refreshed = http.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    ).json()
    assert "refresh_token" not in refreshed and refreshed["access_token"] != tokens["access_token"]
    fresh.control._call("POST", "google/oauth/expire")
    creds = Credentials(
        token=refreshed["access_token"],
        refresh_token=tokens["refresh_token"],
        token_uri=fresh.url + "/token",
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    )
    drive = drive_service(fresh.url, "unused")
    drive._http.credentials = creds  # the AuthorizedHttp built for the service refreshes these on 401
    assert drive.files().list(pageSize=1, fields="files(id)").execute()["files"]
    assert creds.token != refreshed["access_token"] and creds.refresh_token == tokens["refresh_token"]


def test_an_expired_access_token_is_drives_401(fresh: GoogleUnderTest, http: httpx.Client) -> None:
    fresh.control._call("POST", "google/oauth", {"access_token_lifetime": 1})
    tokens = exchange(http, authorize(http)["code"][0]).json()
    assert tokens["expires_in"] == 1
    fresh.control._call("POST", "google/oauth/expire")
    answer = http.get("/drive/v3/files", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["error"]["errors"][0]["reason"] == "authError"
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_revoking_kills_the_grant_and_refresh_is_invalid_grant(http: httpx.Client) -> None:
    tokens = exchange(http, authorize(http)["code"][0]).json()
    assert http.post("/revoke", params={"token": tokens["access_token"]}).status_code == 200
    refresh = http.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    assert refresh.status_code == 400 and refresh.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    assert http.post("/revoke", data={"token": tokens["refresh_token"]}).status_code == 400
    assert (
        http.get(
            "/drive/v3/about", params={"fields": "user"}, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).status_code
        == 401
    )


def test_a_wrong_client_secret_is_invalid_client(http: httpx.Client) -> None:
    answer = exchange(http, authorize(http)["code"][0], client_secret="wrong")
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_a_read_only_token_cannot_write(fresh: GoogleUnderTest, http: httpx.Client) -> None:
    tokens = exchange(http, authorize(http)["code"][0]).json()
    drive = drive_service(fresh.url, tokens["access_token"])
    with pytest.raises(HttpError) as caught:
        drive.files().create(body={"name": "nope"}).execute()
    assert caught.value.resp.status == 403 and b"insufficientPermissions" in caught.value.content


def test_missing_and_unknown_tokens_are_401(fresh: GoogleUnderTest, http: httpx.Client) -> None:
    assert http.get("/drive/v3/files").status_code == 401
    assert http.get("/drive/v3/files", headers={"Authorization": "Bearer ya29.sandbox-mallory"}).status_code == 401
    assert http.get("/oauth2/v3/userinfo").json()["error"] == "invalid_request"
    info = http.get("/oauth2/v3/tokeninfo", params={"access_token": "ya29.sandbox-alice"}).json()
    assert info["email"] == "alice@example.com"


def test_google_auth_refresh_helper_works_against_the_token_endpoint(
    fresh: GoogleUnderTest, http: httpx.Client
) -> None:
    tokens = exchange(http, authorize(http)["code"][0]).json()
    creds = Credentials(
        token=None,
        refresh_token=tokens["refresh_token"],
        token_uri=fresh.url + "/token",
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
    )
    creds.refresh(GoogleAuthRequest())
    assert creds.valid and creds.token.startswith("ya29.")


def test_openid_scope_adds_an_id_token_google_auth_verifies(fresh: GoogleUnderTest, http: httpx.Client) -> None:
    from google.auth.transport.requests import Request as AuthRequest
    from google.oauth2 import id_token

    tokens = exchange(http, authorize(http, nonce="n-123")["code"][0]).json()
    claims = id_token.verify_token(
        tokens["id_token"], AuthRequest(), audience=DEMO_CLIENT_ID, certs_url=fresh.url + "/oauth2/v1/certs"
    )
    assert (claims["email"], claims["nonce"], claims["iss"]) == (
        "bob@example.com",
        "n-123",
        "https://accounts.google.com",
    )
    keys = http.get("/oauth2/v3/certs").json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"] == http.get("/oauth2/v1/certs").json().popitem()[0]
    config = http.get("/.well-known/openid-configuration").json()
    assert config["jwks_uri"] == fresh.url + "/oauth2/v3/certs"


def test_the_request_log_never_shows_tokens_sent_in_query_strings(fresh: GoogleUnderTest, http: httpx.Client) -> None:
    tokens = exchange(http, authorize(http)["code"][0]).json()
    http.post("/revoke", params={"token": tokens["refresh_token"]})
    http.get("/oauth2/v3/tokeninfo", params={"access_token": tokens["access_token"]})
    logged = " ".join(str(entry) for entry in fresh.control.requests())
    assert "/revoke" in logged and "token=REDACTED" in logged
    assert tokens["refresh_token"] not in logged and tokens["access_token"] not in logged
