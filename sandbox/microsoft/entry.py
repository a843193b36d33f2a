"""The Microsoft 365 sandbox as the `connectors` CLI sees it (entry point), and its TLS files.

msal only speaks https, so the sandbox is served over HTTPS with a CA made for this process. The CA file's path is
known before the files exist (``demo_login["ca_file"]``), so a connector's ``sandbox_env`` can point clients at it;
``tls_files()`` (also ``SANDBOX.tls``) writes the files on first use and they are removed when the process exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from shared.connector import Sandbox

from .users import CONNECTOR_APP, DEMO_TOKEN, DEMO_USER, TENANT_ID

TLS_DIR = Path(tempfile.gettempdir()) / f"sandbox-microsoft-tls-{os.getpid()}"
_tls_lock = threading.Lock()
_tls: tuple[str, str, str] | None = None


def tls_files() -> tuple[str, str, str]:
    """``(certfile, keyfile, cafile)`` for serving this sandbox over HTTPS, made once per process.

    Serve with uvicorn's ``ssl_certfile=certfile, ssl_keyfile=keyfile``; clients trust ``cafile``
    (``httpx.Client(verify=ssl.create_default_context(cafile=cafile))``).
    """
    global _tls
    with _tls_lock:
        if _tls is None:
            from .tls import certificates

            files = certificates(TLS_DIR)
            atexit.register(shutil.rmtree, TLS_DIR, ignore_errors=True)
            _tls = (str(files.cert), str(files.key), str(files.ca))
        return _tls


def sign_in_env(base_url: str) -> dict[str, str]:
    """The connector's app registration in the sandbox tenant, standing in for login.microsoftonline.com
    (AUTH_MICROSOFT_*); msal trusts the CA this process made for the sandbox."""
    return {
        "AUTH_MICROSOFT_CLIENT_ID": CONNECTOR_APP.client_id,
        "AUTH_MICROSOFT_CLIENT_SECRET": CONNECTOR_APP.secret,
        "AUTH_MICROSOFT_TENANT": TENANT_ID,
        "AUTH_MICROSOFT_LOGIN_URL": base_url,
        "AUTH_MICROSOFT_CA_FILE": str(TLS_DIR / "ca.pem"),
        "AUTH_MICROSOFT_GRAPH_URL": base_url + "/v1.0",
    }


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
        "ca_file": str(TLS_DIR / "ca.pem"),
    },
    tls=lambda: tls_files()[:2],
    sign_in_env=sign_in_env,
    sign_in_people="alice@contoso.example (Alice Martin) or bob@contoso.example (Bob Chen): pick the account on "
    "the sandbox's Microsoft page and Accept (no password); their OneDrives differ",
)
