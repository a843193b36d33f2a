"""Pointing Google's own client library at the sandbox, and serving the sandbox in a test.

``drive_service(url, token)`` is what a Drive connector's tests use: the discovery document shipped in
google-api-python-client with ``rootUrl`` and ``mtlsRootUrl`` set to the sandbox, so metadata calls, media
uploads and downloads all reach it (``client_options={"api_endpoint": ...}`` alone would send uploads to
googleapis.com; upstreams.md §11.2). ``GoogleUnderTest.service_account_file(dir)`` writes the JSON key of the
sandbox's service account with domain-wide delegation (its ``token_uri`` is the sandbox's ``/token``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from googleapiclient.discovery import build_from_document

from ..common.control import SandboxControl
from .drive.fields import discovery_document
from .users import CONNECTOR_SERVICE_ACCOUNT, UNDELEGATED_SERVICE_ACCOUNT


def drive_document(base_url: str) -> dict:
    """Drive v3's discovery document, re-rooted at the sandbox."""
    doc = copy.deepcopy(discovery_document())
    root = base_url.rstrip("/") + "/"
    doc["rootUrl"] = doc["mtlsRootUrl"] = root
    return doc


def drive_service(base_url: str, token: str) -> Any:
    """A ``googleapiclient`` Drive v3 resource calling the sandbox with a bearer ``token``."""
    from google.oauth2.credentials import Credentials

    return build_from_document(drive_document(base_url), credentials=Credentials(token=token))


@dataclass
class GoogleUnderTest:
    url: str
    control: SandboxControl
    app: Any  # app.state.drive (DriveStore) and app.state.tokens (TokenStore)

    def drive(self, token: str) -> Any:
        return drive_service(self.url, token)

    def service_account_key(self, *, delegated: bool = True) -> dict[str, Any]:
        """The JSON key of the project's service account the Workspace admin authorised for domain-wide
        delegation (Drive and Gmail scopes), or of one never authorised (``delegated=False``)."""
        account = CONNECTOR_SERVICE_ACCOUNT if delegated else UNDELEGATED_SERVICE_ACCOUNT
        key: dict[str, Any] = self.app.state.tokens.service_keys.key_file(account, f"{self.url}/token")
        return key

    def service_account_file(self, directory: Path, *, delegated: bool = True) -> Path:
        """That key written where a deployment would keep it (``AUTH_GOOGLE_SERVICE_ACCOUNT_FILE``)."""
        path = Path(directory) / ("service-account.json" if delegated else "undelegated-service-account.json")
        path.write_text(json.dumps(self.service_account_key(delegated=delegated)))
        path.chmod(0o600)
        return path


@contextmanager
def running_google(**options: Any) -> Iterator[GoogleUnderTest]:
    from shared.testing import serve_in_thread

    from .app import create_app

    app = create_app(**options)
    with serve_in_thread(app, lifespan="off") as url:
        yield GoogleUnderTest(url, SandboxControl(url), app)
