"""Client identification: redirect-URI patterns, and what makes a client metadata document acceptable."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.auth.clients import ClientRegistry, RedirectPolicy
from shared.auth.crypto import KeyRing
from shared.auth.db import Database
from shared.auth.grants import GrantStore
from shared.testing import serve_in_thread

pytestmark = pytest.mark.anyio
CALLBACK = "https://chatgpt.com/connector_platform_oauth_redirect"


@pytest.mark.parametrize(
    "uri",
    [
        "https://chatgpt.com/connector/oauth/abc123",
        CALLBACK,
        "http://127.0.0.1:53123/callback",
        "http://localhost:3000/oauth/callback",
        "http://[::1]:8080/cb",
    ],
)
def test_chatgpts_callback_forms_and_loopback_are_allowed_by_default(uri: str):
    assert RedirectPolicy().allows(uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://chatgpt.com.evil.com/connector/oauth/abc",  # look-alike host
        "https://evil.com/https://chatgpt.com/connector/oauth/abc",
        "https://chatgpt.com/connector/oauth/abc/extra",  # one segment only
        "https://chatgpt.com/connector/oauth/abc#fragment",
        "http://chatgpt.com/connector_platform_oauth_redirect",  # not https
        "http://127.0.0.1:80@evil.com/cb",  # userinfo trick
        "https://chatgpt.com/connector_platform_oauth_redirect?next=https://evil.com",
    ],
)
def test_look_alike_and_altered_redirect_uris_are_refused(uri: str):
    assert not RedirectPolicy().allows(uri)


def test_configured_patterns_replace_the_defaults():
    policy = RedirectPolicy(["https://app.example.com/oauth/*"])
    assert policy.allows("https://app.example.com/oauth/cb") and not policy.allows(CALLBACK)


class Documents:
    """A web server publishing client metadata documents, counting fetches."""

    def __init__(self) -> None:
        self.fetches = 0

    async def serve(self, request: Request) -> Response:
        self.fetches += 1
        name, url = request.path_params["name"], str(request.url)
        base = {"client_id": url, "client_name": "ChatGPT", "redirect_uris": [CALLBACK, "https://evil.com/cb"]}
        documents = {
            "good": base,
            "other-id": {**base, "client_id": "https://chatgpt.com/oauth/client.json"},
            "secret": {**base, "token_endpoint_auth_method": "client_secret_post"},
            "no-allowed-redirect": {**base, "redirect_uris": ["https://evil.com/cb"]},
            "huge": {**base, "padding": "x" * 70_000},
        }
        if name == "missing":
            return Response(status_code=404)
        if name == "not-json":
            return Response("<html>", media_type="text/html")
        return JSONResponse(documents[name])


@pytest.fixture
def documents():
    docs = Documents()
    with serve_in_thread(Starlette(routes=[Route("/{name}/client.json", docs.serve)])) as base_url:
        yield docs, base_url


async def registry(database: Database, **options) -> ClientRegistry:
    await GrantStore(database).start()  # the "oauth" tables, oauth_clients included
    return ClientRegistry(
        database, KeyRing.generate(), RedirectPolicy(), scopes=["jira.read", "offline_access"], **options
    )


async def test_a_good_document_becomes_a_public_client_with_only_its_allowed_redirects_and_is_cached(
    database: Database, documents
):
    docs, base_url = documents
    clients = await registry(database, allow_insecure_loopback_cimd=True)
    client = await clients.get(f"{base_url}/good/client.json")
    assert client is not None and client.token_endpoint_auth_method == "none" and client.client_secret is None
    assert client.redirect_uris is not None
    assert [str(uri) for uri in client.redirect_uris] == [CALLBACK]
    assert client.scope == "jira.read offline_access" and client.client_name == "ChatGPT"
    await clients.get(f"{base_url}/good/client.json")
    assert docs.fetches == 1
    await clients.aclose()


@pytest.mark.parametrize("name", ["other-id", "secret", "no-allowed-redirect", "huge", "missing", "not-json"])
async def test_a_document_that_is_wrong_in_any_way_is_refused(database: Database, documents, name: str):
    _, base_url = documents
    clients = await registry(database, allow_insecure_loopback_cimd=True)
    assert await clients.get(f"{base_url}/{name}/client.json") is None
    await clients.aclose()


async def test_an_http_document_url_is_not_a_cimd_client_unless_the_test_setting_allows_loopback(
    database: Database, documents
):
    _, base_url = documents
    clients = await registry(database)
    assert not clients.is_metadata_document_url(f"{base_url}/good/client.json")
    assert clients.is_metadata_document_url("https://chatgpt.com/oauth/client.json")
    assert not clients.is_metadata_document_url("https://chatgpt.com/")
    assert await clients.get(f"{base_url}/good/client.json") is None
    await clients.aclose()
