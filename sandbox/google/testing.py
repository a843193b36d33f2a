"""Pointing Google's own client library at the sandbox, and serving the sandbox in a test.

``drive_service(url, token)`` is what a Drive connector's tests use: the discovery document shipped in
google-api-python-client with ``rootUrl`` and ``mtlsRootUrl`` set to the sandbox, so metadata calls, media
uploads and downloads all reach it (``client_options={"api_endpoint": ...}`` alone would send uploads to
googleapis.com; upstreams.md §11.2).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from googleapiclient.discovery import build_from_document

from ..common.control import SandboxControl
from .drive.fields import discovery_document


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


@contextmanager
def running_google(**options: Any) -> Iterator[GoogleUnderTest]:
    from shared.testing import serve_in_thread

    from .app import create_app

    app = create_app(**options)
    with serve_in_thread(app, lifespan="off") as url:
        yield GoogleUnderTest(url, SandboxControl(url), app)
