"""The Microsoft 365 sandbox as the `connectors` CLI sees it (entry point), and its TLS files."""

from __future__ import annotations

import tempfile
import threading
from typing import Any

from shared.connector import Sandbox

from .users import CONNECTOR_APP, DEMO_TOKEN, DEMO_USER, TENANT_ID

_tls_lock = threading.Lock()
_tls: tuple[str, str, str] | None = None


def tls_files() -> tuple[str, str, str]:
    """``(certfile, keyfile, cafile)`` for serving this sandbox over HTTPS; made once per process in a temp dir.

    Clients must trust ``cafile`` (msal only speaks https): ``httpx.Client(verify=cafile)``.
    """
    global _tls
    with _tls_lock:
        if _tls is None:
            from .tls import certificates

            files = certificates(tempfile.mkdtemp(prefix="sandbox-microsoft-tls-"))
            _tls = (str(files.cert), str(files.key), str(files.ca))
        return _tls


def _create_app(latency_ms: int = 0) -> Any:
    from .app import create_app

    return create_app(latency_ms=latency_ms)


SANDBOX = Sandbox(
    name="microsoft",
    title="Microsoft 365 (OneDrive, SharePoint, Outlook)",
    default_port=9300,
    create_app=_create_app,
    demo_login={
        "email": DEMO_USER.mail,
        "token": DEMO_TOKEN,
        "tenant": TENANT_ID,
        "client_id": CONNECTOR_APP.client_id,
        "client_secret": CONNECTOR_APP.secret,
    },
)
