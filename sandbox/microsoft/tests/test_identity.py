"""Entra ID emulation, driven by msal's ConfidentialClientApplication over HTTPS."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import msal
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from sandbox.microsoft.identity import api_resource
from sandbox.microsoft.users import ALICE, CLI_APP, CONNECTOR_APP, DAEMON_APP, FRONTEND_APP, TENANT_ID, ClientApp

from .conftest import graph_client

REDIRECT = "http://localhost:8765/callback"
FILES = ["https://graph.microsoft.com/Files.ReadWrite.All"]


class _Form(HTMLParser):
    """The consent page's form fields, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.logins: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a["action"]
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            self.logins.append(a["value"])


def msal_app(
    base_url: str, http: requests.Session, app: ClientApp = CONNECTOR_APP, **kw
) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        app.client_id,
        client_credential=app.secret,
        authority=f"{base_url}/{TENANT_ID}",
        http_client=http,
        instance_discovery=kw.pop("instance_discovery", False),
        **kw,
    )


def sign_in(
    base_url: str,
    ssl_context,
    http: requests.Session,
    login: str,
    scopes: list[str],
    app: ClientApp = CONNECTOR_APP,
    client: msal.ConfidentialClientApplication | None = None,
) -> dict:
    """The whole authorization code flow: msal builds the URL, the 'user' submits the consent form."""
    client = client or msal_app(base_url, http, app)
    flow = client.initiate_auth_code_flow(scopes, redirect_uri=REDIRECT, login_hint=login, response_mode="query")
    with httpx.Client(verify=ssl_context) as browser:
        page = browser.get(flow["auth_uri"])
        assert page.status_code == 200 and "Choose an account" in page.text
        form = _Form()
        form.feed(page.text)
        answer = browser.post(base_url + form.action, data={**form.fields, "login": login, "consent": "accept"})
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    reply = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return client.acquire_token_by_auth_code_flow(flow, reply)


def test_discovery_documents_describe_the_tenant_and_its_signing_keys(base_url, ssl_context):
    with httpx.Client(verify=ssl_context) as http:
        config = http.get(f"{base_url}/{TENANT_ID}/v2.0/.well-known/openid-configuration").json()
        keys = http.get(config["jwks_uri"]).json()
        unknown = http.get(f"{base_url}/nosuchtenant/v2.0/.well-known/openid-configuration")
    assert config["issuer"] == f"{base_url}/{TENANT_ID}/v2.0"
    assert config["token_endpoint"] == f"{base_url}/{TENANT_ID}/oauth2/v2.0/token"
    assert keys["keys"][0]["kty"] == "RSA" and "d" not in keys["keys"][0]
    assert unknown.status_code == 400 and "AADSTS90002" in unknown.json()["error_description"]


def test_auth_code_flow_signs_in_the_chosen_user_and_graph_accepts_the_token(base_url, ssl_context, msal_http):
    result = sign_in(base_url, ssl_context, msal_http, "bob@contoso.example", FILES)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == "bob@contoso.example"
    assert result["refresh_token"]
    with graph_client(base_url, ssl_context, result["access_token"]) as graph:
        me = graph.get("/me")
    assert me.status_code == 200 and me.json()["mail"] == "bob@contoso.example"


def test_access_tokens_are_jwts_for_graph_verifiable_with_the_published_keys(base_url, ssl_context, msal_http):
    result = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", FILES)
    with httpx.Client(verify=ssl_context) as http:
        keys = KeySet.import_key_set(http.get(f"{base_url}/{TENANT_ID}/discovery/v2.0/keys").json())
    claims = jwt.decode(result["access_token"], keys).claims
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["upn"] == "alice@contoso.example" and "Files.ReadWrite.All" in claims["scp"].split()
    assert claims["exp"] - claims["iat"] == 3599


def test_refresh_tokens_rotate_and_a_used_one_is_refused(base_url, ssl_context, msal_http):
    first = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", FILES)
    client = msal_app(base_url, msal_http)
    second = client.acquire_token_by_refresh_token(first["refresh_token"], FILES)
    assert "access_token" in second, second
    assert second["refresh_token"] != first["refresh_token"]
    reused = client.acquire_token_by_refresh_token(first["refresh_token"], FILES)
    assert reused["error"] == "invalid_grant" and 70000 in reused["error_codes"]
    third = client.acquire_token_by_refresh_token(second["refresh_token"], FILES)
    assert "access_token" in third


def test_refresh_tokens_past_their_lifetime_answer_the_inactivity_error(
    base_url, ssl_context, msal_http, fresh, tenant
):
    first = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", FILES)
    tenant.identity(expire_refresh_tokens=True)
    answer = msal_app(base_url, msal_http).acquire_token_by_refresh_token(first["refresh_token"], FILES)
    assert answer["error"] == "invalid_grant" and 700082 in answer["error_codes"]


def test_client_credentials_give_an_app_token_that_reads_any_drive_but_not_me(base_url, ssl_context, msal_http, alice):
    drive_id = alice.get("/me/drive").json()["id"]
    daemon = msal_app(base_url, msal_http, DAEMON_APP)
    result = daemon.acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    with graph_client(base_url, ssl_context, result["access_token"]) as graph:
        listing = graph.get(f"/drives/{drive_id}/root/children")
        me = graph.get("/me")
    assert listing.status_code == 200 and "Contracts" in [i["name"] for i in listing.json()["value"]]
    assert me.status_code == 400 and "delegated" in me.json()["error"]["message"]


def test_client_credentials_need_a_default_scope(base_url, msal_http):
    answer = msal_app(base_url, msal_http, DAEMON_APP).acquire_token_for_client(
        ["https://graph.microsoft.com/Files.Read.All"]
    )
    assert answer["error"] == "invalid_scope" and 1002012 in answer["error_codes"]


def test_on_behalf_of_exchanges_a_users_api_token_for_a_graph_token(base_url, ssl_context, msal_http):
    upstream = sign_in(
        base_url,
        ssl_context,
        msal_http,
        "alice@contoso.example",
        [f"{api_resource(CONNECTOR_APP)}/access_as_user"],
        app=FRONTEND_APP,
    )
    assert "access_token" in upstream, upstream
    with graph_client(base_url, ssl_context, upstream["access_token"]) as graph:
        assert graph.get("/me").status_code == 401  # a token for our API is not a Graph token
    exchanged = msal_app(base_url, msal_http).acquire_token_on_behalf_of(upstream["access_token"], FILES)
    assert "access_token" in exchanged, exchanged
    with graph_client(base_url, ssl_context, exchanged["access_token"]) as graph:
        assert graph.get("/me").json()["mail"] == "alice@contoso.example"


def test_on_behalf_of_refuses_a_token_meant_for_another_app(base_url, ssl_context, msal_http):
    graph_token = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", FILES)["access_token"]
    answer = msal_app(base_url, msal_http).acquire_token_on_behalf_of(graph_token, FILES)
    assert answer["error"] == "invalid_grant" and 50013 in answer["error_codes"]


def test_on_behalf_of_refuses_a_user_who_is_not_in_the_directory(tenant, base_url, msal_http):
    """A token the directory signed for someone since removed (an oid it does not know) gets no Graph token."""
    gone = dataclasses.replace(ALICE, id="00000000-0000-0000-0000-00000000dead", mail="gone@contoso.example")
    token, _ = tenant.app.state.tokens.access_token(
        audience=CONNECTOR_APP.client_id,
        app_id=FRONTEND_APP.client_id,
        user=gone,
        scp=["access_as_user"],
        roles=[],
        issuer_v2=f"{base_url}/{TENANT_ID}/v2.0",
    )
    answer = msal_app(base_url, msal_http).acquire_token_on_behalf_of(token, FILES)
    assert answer["error"] == "invalid_grant" and 50034 in answer["error_codes"], answer


def test_msal_can_validate_the_authority_through_the_instance_discovery_endpoint(base_url, msal_http):
    client = msal_app(base_url, msal_http, DAEMON_APP, instance_discovery=f"{base_url}/common/discovery/instance")
    assert "access_token" in client.acquire_token_for_client(["https://graph.microsoft.com/.default"])


def test_a_wrong_client_secret_is_refused(base_url, msal_http):
    wrong = ClientApp(DAEMON_APP.client_id, "not-the-secret", "wrong")
    answer = msal_app(base_url, msal_http, wrong).acquire_token_for_client(["https://graph.microsoft.com/.default"])
    assert answer["error"] == "invalid_client" and 7000215 in answer["error_codes"]


def test_form_post_response_mode_hands_the_code_back_in_an_auto_submitted_form(base_url, ssl_context, msal_http):
    client = msal_app(base_url, msal_http)
    flow = client.initiate_auth_code_flow(FILES, redirect_uri=REDIRECT, response_mode="form_post")
    with httpx.Client(verify=ssl_context) as browser:
        form = _Form()
        form.feed(browser.get(flow["auth_uri"]).text)
        answer = browser.post(
            base_url + form.action, data={**form.fields, "login": "bob@contoso.example", "consent": "accept"}
        )
    assert answer.status_code == 200
    posted = _Form()
    posted.feed(answer.text)
    assert posted.action == REDIRECT and {"code", "state"} <= posted.fields.keys()
    result = client.acquire_token_by_auth_code_flow(flow, posted.fields)
    assert result["id_token_claims"]["preferred_username"] == "bob@contoso.example"


def test_declining_consent_redirects_with_access_denied(base_url, ssl_context, msal_http):
    flow = msal_app(base_url, msal_http).initiate_auth_code_flow(FILES, redirect_uri=REDIRECT, response_mode="query")
    with httpx.Client(verify=ssl_context) as browser:
        form = _Form()
        form.feed(browser.get(flow["auth_uri"]).text)
        answer = browser.post(base_url + form.action, data={**form.fields, "login": form.logins[0], "consent": "deny"})
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["access_denied"]


def test_the_consent_page_rejects_an_unregistered_application(base_url, ssl_context):
    with httpx.Client(verify=ssl_context) as browser:
        page = browser.get(
            f"{base_url}/{TENANT_ID}/oauth2/v2.0/authorize",
            params={"client_id": "nope", "response_type": "code", "redirect_uri": REDIRECT},
        )
    assert page.status_code == 400 and "AADSTS700016" in page.text


@pytest.mark.parametrize("header", [None, "Basic YWxpY2U6cHc=", "Bearer not-a-jwt"])
def test_graph_refuses_missing_or_malformed_tokens_with_a_challenge(base_url, ssl_context, header):
    headers = {"Authorization": header} if header else {}
    with httpx.Client(verify=ssl_context) as http:
        answer = http.get(f"{base_url}/v1.0/me/drive", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_expire_by_the_sandbox_clock_and_lifetime_is_configurable(
    base_url, ssl_context, msal_http, fresh, tenant
):
    tenant.identity(access_token_lifetime_s=60)
    result = msal_app(base_url, msal_http, DAEMON_APP).acquire_token_for_client(
        ["https://graph.microsoft.com/.default"]
    )
    assert result["expires_in"] == 60
    with graph_client(base_url, ssl_context, result["access_token"]) as graph:
        assert graph.get("/users/alice@contoso.example").status_code == 200
        tenant.identity(clock_offset_s=61)
        expired = graph.get("/users/alice@contoso.example")
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "Lifetime validation failed, the token is expired."


def test_msal_silent_acquisition_uses_its_cache_then_the_refresh_token(base_url, ssl_context, msal_http):
    client = msal_app(base_url, msal_http)
    first = sign_in(base_url, ssl_context, msal_http, "bob@contoso.example", FILES, client=client)
    [account] = client.get_accounts()
    assert account["username"] == "bob@contoso.example"
    cached = client.acquire_token_silent(FILES, account=account)
    assert cached["access_token"] == first["access_token"] and cached["token_source"] == "cache"
    refreshed = client.acquire_token_silent(FILES, account=account, force_refresh=True)
    assert refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != first["access_token"]


def test_graph_enforces_the_scopes_in_the_token(base_url, ssl_context, msal_http):
    profile_only = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", ["User.Read"])
    read_only = sign_in(
        base_url, ssl_context, msal_http, "alice@contoso.example", ["https://graph.microsoft.com/Files.Read"]
    )
    with graph_client(base_url, ssl_context, profile_only["access_token"]) as graph:
        assert graph.get("/me").status_code == 200
        denied = graph.get("/me/drive")
        assert denied.status_code == 403 and "Files.Read" in denied.json()["error"]["message"]
    with graph_client(base_url, ssl_context, read_only["access_token"]) as graph:
        assert graph.get("/me/drive/root/children").status_code == 200
        refused = graph.post("/me/drive/root/children", json={"name": "Nope", "folder": {}})
        assert refused.status_code == 403 and "Files.ReadWrite" in refused.json()["error"]["message"]


def approve_device_code(base_url, ssl_context, user_code: str, login: str, consent: str = "accept") -> httpx.Response:
    with httpx.Client(verify=ssl_context) as browser:
        page = browser.get(f"{base_url}/devicelogin")
        assert 'name="user_code"' in page.text
        return browser.post(
            f"{base_url}/devicelogin", data={"user_code": user_code, "login": login, "consent": consent}
        )


def test_device_code_flow_signs_in_a_public_client_after_the_person_enters_the_code(base_url, ssl_context, msal_http):
    cli = msal.PublicClientApplication(
        CLI_APP.client_id, authority=f"{base_url}/{TENANT_ID}", http_client=msal_http, instance_discovery=False
    )
    flow = cli.initiate_device_flow(FILES)
    assert flow["verification_uri"] == f"{base_url}/devicelogin" and flow["user_code"] in flow["message"]
    with httpx.Client(verify=ssl_context) as poller:  # polling before approval: pending
        pending = poller.post(
            f"{base_url}/{TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "client_id": CLI_APP.client_id,
                "device_code": flow["device_code"],
            },
        )
    assert pending.json()["error"] == "authorization_pending"
    assert approve_device_code(base_url, ssl_context, flow["user_code"], "bob@contoso.example").status_code == 200
    result = cli.acquire_token_by_device_flow(flow)  # approved already: the first poll succeeds
    assert result["id_token_claims"]["preferred_username"] == "bob@contoso.example"
    with graph_client(base_url, ssl_context, result["access_token"]) as graph:
        assert graph.get("/me").json()["mail"] == "bob@contoso.example"


def test_device_login_rejects_an_unknown_code_and_reports_a_declined_sign_in(base_url, ssl_context, msal_http):
    assert approve_device_code(base_url, ssl_context, "NOPE12345", "bob@contoso.example").status_code == 400
    cli = msal.PublicClientApplication(
        CLI_APP.client_id, authority=f"{base_url}/{TENANT_ID}", http_client=msal_http, instance_discovery=False
    )
    flow = cli.initiate_device_flow(FILES)
    approve_device_code(base_url, ssl_context, flow["user_code"], "bob@contoso.example", consent="deny")
    assert cli.acquire_token_by_device_flow(flow)["error"] == "authorization_declined"


def test_public_clients_may_not_use_app_only_grants(base_url, ssl_context):
    with httpx.Client(verify=ssl_context) as http:
        answer = http.post(
            f"{base_url}/{TENANT_ID}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLI_APP.client_id,
                "scope": "https://graph.microsoft.com/.default",
            },
        )
    assert answer.json()["error"] == "unauthorized_client"


def test_every_endpoint_the_discovery_document_names_answers(base_url, ssl_context):
    with httpx.Client(verify=ssl_context) as http:
        config = http.get(f"{base_url}/{TENANT_ID}/v2.0/.well-known/openid-configuration").json()
        assert http.get(config["jwks_uri"]).status_code == 200
        assert http.get(config["authorization_endpoint"]).status_code == 400  # no client_id: an explained refusal
        assert http.post(config["token_endpoint"], data={}).json()["error"] == "unauthorized_client"
        assert http.post(config["device_authorization_endpoint"], data={}).status_code == 400
        signed_out = http.get(config["end_session_endpoint"], params={"post_logout_redirect_uri": REDIRECT})
        assert signed_out.status_code == 302 and signed_out.headers["location"] == REDIRECT
