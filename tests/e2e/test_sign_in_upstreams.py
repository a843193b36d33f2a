"""The Google and Microsoft adapters of the sign-in broker against the sandboxes' identity providers.

Real HTTP to the Google sandbox's OAuth endpoints; real msal over HTTPS (the Entra sandbox's own CA) for
Microsoft. The person's part (choosing an account, allowing) is played by posting the sandbox's consent form.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.google.tokens import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sandbox.google.users import USERS as GOOGLE_USERS
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from sandbox.microsoft.users import ALICE, CONNECTOR_APP, TENANT_ID
from shared.auth.broker import UpstreamLoginFailed
from shared.auth.errors import InvalidGrant
from shared.auth.google import DRIVE, google_adapter, google_urls
from shared.auth.microsoft import MicrosoftAdapter

pytestmark = pytest.mark.anyio
CALLBACK = "http://127.0.0.1:1/oauth/callback"  # never contacted: the tests read the redirect themselves


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleUnderTest]:
    with running_google() as running:
        yield running


@pytest.fixture(scope="module")
def tenant() -> Iterator[TenantUnderTest]:
    with running_tenant() as running:
        yield running


def google_for(site: GoogleUnderTest):
    authorize, token, userinfo = google_urls(site.url)
    return google_adapter(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        scopes=(DRIVE + ".readonly",),
        authorize_url=authorize,
        token_url=token,
        userinfo_url=userinfo,
    )


def microsoft_for(site: TenantUnderTest, **overrides) -> MicrosoftAdapter:
    values = {
        "client_id": CONNECTOR_APP.client_id,
        "client_secret": CONNECTOR_APP.secret,
        "tenant": TENANT_ID,
        "login_url": site.url,
        "scopes": ("Files.Read.All", "offline_access"),
        "ca_file": site.ca,
        "graph_url": site.graph_url,
        **overrides,
    }
    return MicrosoftAdapter(**values)


def _google_code(login_url: str, email: str) -> str:
    params = _query(login_url)
    answer = requests.post(
        login_url.split("?", 1)[0],
        data={**params, "user": email, "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    return _query(answer.headers["location"])["code"]


def _microsoft_code(site: TenantUnderTest, login_url: str, email: str) -> str:
    params = _query(login_url)
    with requests.Session() as browser:
        browser.verify, browser.trust_env = site.ca, False
        form = {**params, "login": email, "consent": "accept"}
        answer = browser.post(login_url.split("?", 1)[0], data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    reply = _query(answer.headers["location"])
    assert reply["state"] == params["state"]
    return reply["code"]


# -- Google --------------------------------------------------------------------------------------------------
def test_the_google_login_asks_offline_access_consent_and_the_openid_scopes(google):
    url = google_for(google).authorize_url("st", CALLBACK, [DRIVE + ".readonly"])
    params = _query(url)
    assert url.startswith(f"{google.url}/o/oauth2/v2/auth?")
    assert (params["access_type"], params["prompt"], params["include_granted_scopes"]) == ("offline", "consent", "true")
    assert params["scope"].split() == ["openid", "email", "profile", DRIVE + ".readonly"]
    assert (params["client_id"], params["redirect_uri"], params["state"]) == (DEMO_CLIENT_ID, CALLBACK, "st")


async def test_a_google_code_gives_the_persons_account_and_a_refresh_token_that_renews(google):
    adapter = google_for(google)
    bob = GOOGLE_USERS[1]
    code = _google_code(adapter.authorize_url("st", CALLBACK, [DRIVE + ".readonly"]), bob.email)
    account, tokens = await adapter.exchange(code, CALLBACK)
    assert (account.account_id, account.email) == (bob.subject, bob.email)
    assert tokens.refresh_token and tokens.expires_at and tokens.account_id == bob.subject
    assert DRIVE + ".readonly" in tokens.scopes
    renewed = await adapter.refresh(tokens.refresh_token)
    assert renewed.access_token != tokens.access_token
    assert renewed.refresh_token is None  # Google does not rotate: the vault keeps the one it has
    drive = google.drive(renewed.access_token)
    assert drive.about().get(fields="user").execute()["user"]["emailAddress"] == bob.email

    requests.post(f"{google.url}/revoke", data={"token": tokens.refresh_token}, timeout=10).raise_for_status()
    with pytest.raises(InvalidGrant):
        await adapter.refresh(tokens.refresh_token)


async def test_a_refused_google_code_is_a_failed_login_in_words(google):
    with pytest.raises(UpstreamLoginFailed, match="Google did not accept the sign-in"):
        await google_for(google).exchange("4/0not-a-code", CALLBACK)


# -- Microsoft, through msal -----------------------------------------------------------------------------------------
def test_the_microsoft_login_is_msals_authorization_url_on_the_tenant(tenant):
    url = microsoft_for(tenant).authorize_url("st", CALLBACK, ["Files.Read.All", "offline_access"])
    params = _query(url)
    assert url.startswith(f"{tenant.url}/{TENANT_ID}/oauth2/v2.0/authorize?")
    assert (params["client_id"], params["redirect_uri"], params["state"]) == (CONNECTOR_APP.client_id, CALLBACK, "st")
    assert set(params["scope"].split()) == {"Files.Read.All", "offline_access", "openid", "profile"}


async def test_a_microsoft_code_names_the_person_by_oid_and_refresh_tokens_rotate(tenant):
    adapter = microsoft_for(tenant)
    code = _microsoft_code(tenant, adapter.authorize_url("st", CALLBACK, ["Files.Read.All"]), ALICE.mail)
    account, tokens = await adapter.exchange(code, CALLBACK)
    assert (account.account_id, account.email, account.site) == (ALICE.id, ALICE.mail, TENANT_ID)
    assert tokens.refresh_token and tokens.expires_at and tokens.account_id == ALICE.id
    graph = requests.Session()
    graph.verify, graph.trust_env = tenant.ca, False
    me = graph.get(f"{tenant.graph_url}/me", headers={"Authorization": f"Bearer {tokens.access_token}"}, timeout=10)
    assert me.status_code == 200 and me.json()["id"] == ALICE.id

    renewed = await adapter.refresh(tokens.refresh_token)
    assert renewed.refresh_token and renewed.refresh_token != tokens.refresh_token  # Entra rotates them
    with pytest.raises(InvalidGrant):
        await adapter.refresh(tokens.refresh_token)  # the used one: invalid_grant, the vault unlinks
    tenant.identity(expire_refresh_tokens=True)
    with pytest.raises(InvalidGrant):
        await adapter.refresh(renewed.refresh_token)  # past its lifetime: invalid_grant too


async def test_a_refused_microsoft_code_is_a_failed_login_in_words(tenant):
    with pytest.raises(UpstreamLoginFailed, match="Microsoft did not accept the sign-in.*invalid_grant"):
        await microsoft_for(tenant).exchange("0.not-a-code", CALLBACK)


def test_msal_trusts_only_the_ca_it_is_given(tenant):
    with pytest.raises(UpstreamLoginFailed, match="could not be reached"):
        microsoft_for(tenant, ca_file=None).authorize_url("st", CALLBACK, ["Files.Read.All"])


def test_an_unreachable_login_host_is_said_in_words():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = MicrosoftAdapter(
        client_id="app", client_secret="s", tenant=TENANT_ID, login_url=f"https://127.0.0.1:{port}"
    )
    with pytest.raises(UpstreamLoginFailed, match=f"127.0.0.1:{port}/{TENANT_ID} could not be reached"):
        adapter.authorize_url("st", CALLBACK, ["Files.Read.All"])
