"""Pointing google-api-python-client's Gmail v1 at the sandbox, and checking answers against its discovery schemas.

``gmail_service(url, token)`` builds from the discovery document shipped in the package with ``rootUrl`` and
``mtlsRootUrl`` at the sandbox, so metadata calls, media uploads (``/upload/gmail/v1/...``) and batches
(``/batch/gmail/v1``) all reach it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from googleapiclient.discovery import build_from_document

from .discovery import document, rooted_document


def gmail_document(base_url: str) -> dict:
    return rooted_document(base_url)


def gmail_service(base_url: str, token: str) -> Any:
    """A ``googleapiclient`` Gmail v1 resource calling the sandbox with a bearer ``token``."""
    from google.oauth2.credentials import Credentials

    return build_from_document(gmail_document(base_url), credentials=Credentials(token=token))


@lru_cache(maxsize=1)
def _definitions() -> dict:
    from ..tests.discovery_schema import _convert  # the Drive tests' converter, applied to Gmail's schemas

    return {name: _convert(schema) for name, schema in document()["schemas"].items()}


def response_schema(method_id: str) -> str:
    """``gmail.users.messages.get`` -> ``Message``."""
    node: dict = document()
    parts = method_id.split(".")[1:]
    for name in parts[:-1]:
        node = node["resources"][name]
    return node["methods"][parts[-1]]["response"]["$ref"]


def assert_valid(method_id: str, body: Any) -> None:
    """Raise ``jsonschema.ValidationError`` when ``body`` does not fit the method's response schema (closed objects:
    an invented or misspelled field fails too)."""
    import jsonschema

    schema = {"$ref": f"#/definitions/{response_schema(method_id)}", "definitions": _definitions()}
    jsonschema.validate(body, schema)


def rfc822(
    sender: str, to: str, subject: str, text: str, *, html: str | None = None, headers: dict[str, str] | None = None
) -> bytes:
    """A message as a client builds it (``email`` package), ready for ``raw``."""
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage(policy=SMTP)
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def oauth_token(base_url: str, scope: str, user: str = "bob@example.com") -> str:
    """An access token for ``scope`` through the consent form and the token endpoint, as a connector gets one."""
    from urllib.parse import parse_qs, urlsplit

    import httpx

    from ..tokens import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

    redirect = "http://127.0.0.1:8765/callback"
    params = {"client_id": DEMO_CLIENT_ID, "redirect_uri": redirect, "response_type": "code", "scope": scope}
    with httpx.Client(base_url=base_url) as http:
        consent = http.post("/o/oauth2/v2/auth", data={**params, "user": user, "decision": "allow"})
        code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
        answer = http.post("/token", data={**form, "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET})
    return str(answer.json()["access_token"])
