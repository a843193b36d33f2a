"""The Microsoft 365 emulator as a test fixture: served over HTTPS with a fresh CA, plus its control calls.

with running_tenant() as tenant:
    graph = httpx.Client(base_url=tenant.graph_url, verify=tenant.ssl_context(),
                         headers={"Authorization": "Bearer demo-alice"})
    app = msal.ConfidentialClientApplication(..., authority=tenant.authority, http_client=tenant.http_session(),
                                             instance_discovery=False)
"""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from ..common.control import SandboxControl
from .app import create_app
from .serving import serve_tls
from .tls import certificates
from .users import TENANT_ID


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

    def expire_delta_tokens(self) -> None:
        self._post("drive/expire-delta-tokens", {})

    def resource_units(self, per_minute: int | None) -> dict[str, Any]:
        return self._post("graph/resource-units", {"per_minute": per_minute})


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
