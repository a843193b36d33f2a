"""The sandbox's Atlassian identity provider (OAuth 2.0 3LO) over real HTTP: consent page walked without a browser,
code exchange, tokens on the gateway paths, expiry, rotating refresh tokens with reuse detection, revocation."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from sandbox.atlassian.app import create_app
from sandbox.atlassian.jira.catalog import CLOUD_ID
from sandbox.atlassian.oauth_grants import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sandbox.atlassian.oauth_testing import ConsentForm, approve
from sandbox.common.server import run_in_thread

REDIRECT = "http://127.0.0.1:8765/callback"
SCOPES = "read:jira-work write:jira-work read:confluence-content.all search:confluence offline_access"


@pytest.fixture(scope="module")
def site():
    url, stop = run_in_thread(create_app(seed=42))
    with httpx.Client(base_url=url, timeout=10) as http:
        yield http
    stop()


@pytest.fixture(autouse=True)
def fresh_grants(site):
    site.post("/__sandbox/oauth/config", json={"access_token_lifetime": 3600})
    yield


def _authorize_params(**over) -> dict:
    return {
        "audience": "api.atlassian.com",
        "client_id": DEMO_CLIENT_ID,
        "scope": SCOPES,
        "redirect_uri": REDIRECT,
        "state": "xyz-123",
        "response_type": "code",
        "prompt": "consent",
        **over,
    }


def _consent(site, email: str, password: str, decision: str = "allow", **over) -> httpx.Response:
    page = site.get("/authorize", params=_authorize_params(**over))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    form = ConsentForm()
    form.feed(page.text)
    return site.post(form.action, data={**form.fields, "email": email, "password": password, "decision": decision})


def _code(site, localpart: str, **over) -> str:
    r = _consent(site, f"{localpart}@example.com", f"password-{localpart}", **over)
    assert r.status_code == 302, r.text
    q = parse_qs(urlsplit(r.headers["location"]).query)
    assert q["state"] == ["xyz-123"]
    return q["code"][0]


def _tokens(site, localpart: str, **over) -> dict:
    r = site.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "code": _code(site, localpart, **over),
            "redirect_uri": REDIRECT,
        },
    )
    assert r.status_code == 200, r.text
    return r.json()


def _refresh(site, refresh_token: str) -> httpx.Response:
    return site.post(
        "/oauth/token",
        json={
            "grant_type": "refresh_token",
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "refresh_token": refresh_token,
        },
    )


def _me(site, access_token: str, *, product: str = "jira") -> httpx.Response:
    path = "/rest/api/3/myself" if product == "jira" else "/wiki/rest/api/user/current"
    return site.get(f"/ex/{product}/{CLOUD_ID}{path}", headers={"Authorization": f"Bearer {access_token}"})


def test_consent_page_is_plain_accessible_html_that_works_on_a_phone(site):
    page = site.get("/authorize", params=_authorize_params())
    html = page.text
    assert page.status_code == 200 and "<html lang='en'>" in html and "width=device-width" in html
    assert "<label for='email'>" in html and "<label for='password'>" in html and "read:jira-work" in html
    assert not re.search(r"(src|href)=['\"]https?://", html)  # no external assets
    assert page.headers["cache-control"] == "no-store"


def test_a_user_signs_in_and_the_app_calls_jira_and_confluence_through_the_gateway(site):
    tokens = _tokens(site, "bob")
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600 and tokens["refresh_token"]
    assert set(tokens["scope"].split()) == set(SCOPES.split())
    sites = site.get(
        "/oauth/token/accessible-resources", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert sites[0]["id"] == CLOUD_ID and "offline_access" not in sites[0]["scopes"]
    assert _me(site, tokens["access_token"]).json()["emailAddress"] == "bob@example.com"
    assert _me(site, tokens["access_token"], product="confluence").json()["email"] == "bob@example.com"
    on_site_url = site.get("/rest/api/3/myself", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert on_site_url.status_code == 401  # 3LO tokens only work through api.atlassian.com


def test_wrong_password_and_cancel_never_issue_a_code(site):
    wrong = _consent(site, "bob@example.com", "password-alice")
    assert wrong.status_code == 401 and "Incorrect email address" in wrong.text and "location" not in wrong.headers
    inactive = _consent(site, "former@example.com", "password-former")
    assert inactive.status_code == 401
    denied = _consent(site, "bob@example.com", "password-bob", decision="deny")
    q = parse_qs(urlsplit(denied.headers["location"]).query)
    assert denied.status_code == 302 and q["error"] == ["access_denied"] and q["state"] == ["xyz-123"]


def test_requests_that_cannot_go_back_to_the_app_get_an_error_page(site):
    unknown = site.get("/authorize", params=_authorize_params(client_id="nope"))
    assert unknown.status_code == 400 and "invalid_client" in unknown.text
    foreign = site.get("/authorize", params=_authorize_params(redirect_uri="https://evil.example/cb"))
    assert foreign.status_code == 400 and "invalid_redirect_uri" in foreign.text
    wrong_audience = site.get("/authorize", params=_authorize_params(audience="example.com"))
    assert wrong_audience.status_code == 302 and "error=invalid_request" in wrong_audience.headers["location"]
    bad_scope = site.get("/authorize", params=_authorize_params(scope="read:jira-work EVERYTHING"))
    assert "error=invalid_scope" in bad_scope.headers["location"]


def test_codes_are_single_use_and_bound_to_the_redirect_uri(site):
    code = _code(site, "carol")
    body = {
        "grant_type": "authorization_code",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "code": code,
        "redirect_uri": "http://127.0.0.1:9/other",
    }
    mismatch = site.post("/oauth/token", json=body)
    assert mismatch.status_code == 403 and mismatch.json()["error"] == "invalid_grant"
    code = _code(site, "carol")
    form = site.post(
        "/oauth/token",
        content=urlencode({**body, "code": code, "redirect_uri": REDIRECT}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200  # form bodies work as well as JSON
    again = site.post("/oauth/token", json={**body, "code": code, "redirect_uri": REDIRECT})
    assert again.status_code == 403 and again.json()["error"] == "invalid_grant"
    bad_secret = site.post("/oauth/token", json={**body, "client_secret": "guess"})
    assert bad_secret.status_code == 401


def test_refresh_tokens_need_offline_access(site):
    tokens = _tokens(site, "dave", scope="read:jira-work")
    assert "refresh_token" not in tokens and _me(site, tokens["access_token"]).status_code == 200


def test_each_refresh_rotates_and_a_reused_token_burns_the_family(site):
    first = _tokens(site, "erin")
    second = _refresh(site, first["refresh_token"]).json()
    third = _refresh(site, second["refresh_token"]).json()
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert _me(site, third["access_token"]).status_code == 200
    reused = _refresh(site, first["refresh_token"])
    assert reused.status_code == 403 and reused.json()["error"] == "invalid_grant"
    assert _refresh(site, third["refresh_token"]).json()["error"] == "invalid_grant"  # reuse detection
    assert _me(site, third["access_token"]).status_code == 401


def test_access_tokens_expire_as_configured_and_a_refresh_brings_a_working_one(site):
    assert site.post("/__sandbox/oauth/config", json={"access_token_lifetime": 0}).json() == {
        "access_token_lifetime": 0
    }
    tokens = _tokens(site, "frank")
    assert tokens["expires_in"] == 0 and _me(site, tokens["access_token"]).status_code == 401
    site.post("/__sandbox/oauth/config", json={"access_token_lifetime": 3600})
    fresh = _refresh(site, tokens["refresh_token"]).json()
    assert _me(site, fresh["access_token"]).status_code == 200
    assert site.post("/__sandbox/oauth/expire", json={"user": "frank@example.com"}).json()["expired"] >= 1
    assert _me(site, fresh["access_token"]).status_code == 401
    assert _me(site, _refresh(site, fresh["refresh_token"]).json()["access_token"]).status_code == 200


def test_revoking_a_users_grants_stops_refreshes_and_access(site):
    tokens = _tokens(site, "grace")
    assert site.post("/__sandbox/oauth/revoke", json={"user": "grace"}).json() == {"revoked": 1}
    assert _me(site, tokens["access_token"]).status_code == 401
    assert _refresh(site, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    other = _tokens(site, "grace")  # a new consent works again
    client = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    assert site.post("/oauth/revoke", json={**client, "token": other["refresh_token"]}).status_code == 200
    assert _me(site, other["access_token"]).status_code == 401


def test_registered_apps_get_their_own_redirect_uris(site):
    app = {
        "client_id": "broker",
        "client_secret": "broker-secret",
        "redirect_uris": ["https://broker.example/cb"],
        "allow_loopback": False,
    }
    assert site.post("/__sandbox/oauth/clients", json=app).status_code == 201
    ok = site.get("/authorize", params=_authorize_params(client_id="broker", redirect_uri="https://broker.example/cb"))
    assert ok.status_code == 200
    loopback = site.get("/authorize", params=_authorize_params(client_id="broker"))
    assert loopback.status_code == 400
    assert site.post("/__sandbox/oauth/config", json={"access_token_lifetime": -1}).status_code == 400


def test_static_oauth_tokens_still_work_next_to_issued_ones(site):
    assert _me(site, "oauth-alice").json()["emailAddress"] == "alice@example.com"
    sites = site.get("/oauth/token/accessible-resources", headers={"Authorization": "Bearer oauth-alice"})
    assert sites.status_code == 200 and "write:jira-work" in sites.json()[0]["scopes"]


def test_issued_tokens_only_do_what_their_scopes_cover(site):
    reader = _tokens(site, "heidi", scope="read:jira-work")["access_token"]
    auth = {"Authorization": f"Bearer {reader}"}
    assert _me(site, reader).status_code == 200
    search = site.post(f"/ex/jira/{CLOUD_ID}/rest/api/3/search/jql", headers=auth, json={"jql": "project = SHOP"})
    assert search.status_code == 200  # a POST that only reads
    write = site.post(f"/ex/jira/{CLOUD_ID}/rest/api/3/issue/SHOP-1/comment", headers=auth, json={"body": "x"})
    assert write.status_code == 401 and write.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    wiki = _me(site, reader, product="confluence")
    assert wiki.status_code == 401 and wiki.json()["message"] == "Unauthorized; scope does not match"
    granular = _tokens(site, "heidi", scope="read:page:confluence read:user:confluence")["access_token"]
    assert _me(site, granular, product="confluence").status_code == 200


def test_the_browserless_helper_walks_the_consent_page_from_the_url_a_client_built(site):
    url = f"{str(site.base_url).rstrip('/')}/authorize?{urlencode(_authorize_params(state='from-broker'))}"
    location = approve(url, "ivan")
    q = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT) and q["state"] == ["from-broker"] and q["code"]
    assert "error=access_denied" in approve(url, "ivan", allow=False)
    with pytest.raises(AssertionError, match="401"):
        approve(url, "ivan", password="guess")
