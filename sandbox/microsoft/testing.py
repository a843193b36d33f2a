"""The Microsoft 365 emulator as a test fixture: served over HTTPS with a fresh CA, plus its control calls.

with running_tenant() as tenant:
    graph = httpx.Client(base_url=tenant.graph_url, verify=tenant.ssl_context(),
                         headers={"Authorization": "Bearer demo-alice"})
    app = msal.ConfidentialClientApplication(..., authority=tenant.authority, http_client=tenant.http_session(),
                                             instance_discovery=False)
    token = tenant.api_token("alice@contoso.example", ["storage.read"])  # a user's token for our API (for OBO)
"""

from __future__ import annotations

import ssl
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msal
import requests

from ..common.control import SandboxControl
from .app import create_app
from .serving import serve_tls
from .tls import certificates
from .users import CONNECTOR_APP, FRONTEND_APP, TENANT_ID, ClientApp


@dataclass
class TenantUnderTest:
    url: str  # https://127.0.0.1:<port>
    ca: str  # PEM file of the CA clients must trust
    control: SandboxControl
    app: Any  # the emulator: app.state.drives (DriveStore), app.state.tokens (Tokens)

    @property
    def graph_url(self) -> str:
        return self.url + "/v1.0"

    @property
    def authority(self) -> str:
        return f"{self.url}/{TENANT_ID}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca)

    def http_session(self) -> requests.Session:
        """A requests session for msal (``http_client=``): trusts the CA, ignores CA-bundle environment variables."""
        session = requests.Session()
        session.verify = self.ca
        session.trust_env = False
        return session

    def _post(self, sub: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer = self.control.http.post(f"{self.control.base}/{sub}", json=payload, timeout=10)
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def identity(self, **settings: Any) -> dict[str, Any]:
        """``access_token_lifetime_s``, ``clock_offset_s``, ``expire_refresh_tokens`` (see the README)."""
        return self._post("identity", settings)

    def api_token(self, login: str, scopes: Sequence[str] = ("storage.read",), *, app: ClientApp = FRONTEND_APP) -> str:
        """A person's Entra token for OUR API (``aud`` = the connector app's client id, ``scp`` = ``scopes``), as the
        front end gets it: msal's authorization code flow, the consent page submitted by ``login``. The connector
        exchanges it on-behalf-of; a server trusting this tenant as its IdP accepts it as the bearer token."""
        api = [f"api://{CONNECTOR_APP.client_id}/{scope}" for scope in scopes]
        client = msal.ConfidentialClientApplication(
            app.client_id,
            client_credential=app.secret,
            authority=self.authority,
            http_client=self.http_session(),
            instance_discovery=False,
        )
        with warnings.catch_warnings():  # msal recommends form_post; a test reads the query redirect
            warnings.simplefilter("ignore", UserWarning)
            flow = client.initiate_auth_code_flow(api, redirect_uri=_REDIRECT, login_hint=login, response_mode="query")
        with self.http_session() as browser:
            page = browser.get(flow["auth_uri"], timeout=10)
            form = _HiddenFields()
            form.feed(page.text)
            answer = browser.post(
                self.url + form.action,
                data={**form.fields, "login": login, "consent": "accept"},
                allow_redirects=False,
                timeout=10,
            )
        location = answer.headers.get("location", "")
        if answer.status_code != 302 or not location.startswith(_REDIRECT):
            raise AssertionError(f"the Entra sandbox did not sign {login} in: {answer.status_code} {answer.text[:300]}")
        reply = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        result = client.acquire_token_by_auth_code_flow(flow, reply)
        if "access_token" not in result:
            raise AssertionError(f"no token for {login}: {result.get('error')} {result.get('error_description')}")
        return str(result["access_token"])

    def expire_delta_tokens(self) -> None:
        self._post("drive/expire-delta-tokens", {})

    def resource_units(self, per_minute: int | None) -> dict[str, Any]:
        return self._post("graph/resource-units", {"per_minute": per_minute})


_REDIRECT = "http://localhost:8765/front-end-callback"  # never contacted: the redirect is read, not followed


class _HiddenFields(HTMLParser):
    """The consent page's form: its action and hidden fields, as a browser submits them."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.action = found.get("action") or ""
        elif tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""


@contextmanager
def running_tenant(**options: Any) -> Iterator[TenantUnderTest]:
    """Serve ``create_app(**options)`` over HTTPS on a free loopback port for the duration of the block."""
    app = create_app(**options)
    with tempfile.TemporaryDirectory(prefix="ms-sandbox-tls-") as directory:
        tls = certificates(directory)
        with serve_tls(app, tls) as url, requests.Session() as session:
            session.verify = str(tls.ca)
            session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
            yield TenantUnderTest(url, str(tls.ca), SandboxControl(url, session), app)
