"""The storage sign-in walked in a real browser: our consent, Google's login, Microsoft's login, back to the app.

Headless Chromium (Debian's) driven by Playwright, as in test_sign_in_browser.py: one browser session goes
through both upstream logins, so the login's browser binding (a SameSite=Lax cookie) must survive two
cross-site round trips, the second from the Entra sandbox's HTTPS origin (its CA is not the system's, so
this context accepts its certificate). Nothing may be loaded from outside the machine.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser

from .test_sign_in_browser import (  # noqa: F401  (fixtures: the browser, the client's loopback callback)
    DESKTOP,
    Authorization,
    Walk,
    _query,
    _register,
    _screenshot,
    _walk,
    assert_plain_accessible_page,
    browser,
    callback,
)
from .test_sign_in_storage import MICROSOFT, Deployment, storage_with_sign_in

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    with storage_with_sign_in(tmp_path_factory.mktemp("vault")) as deployed:
        yield deployed


@pytest.fixture
def walk(browser: Browser) -> Iterator[Walk]:  # noqa: F811
    yield from _walk(browser, {**DESKTOP, "ignore_https_errors": True})


def _authorization(d: Deployment, callback: str) -> Authorization:  # noqa: F811
    client_id = _register(d, callback)  # type: ignore[arg-type]  # it reads only the issuer
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": callback,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "storage.read storage.write offline_access",
        "resource": d.mcp,
    }
    return Authorization(f"{d.issuer}/authorize?{urlencode(query)}", client_id, verifier, state)


def test_a_person_connects_storage_through_both_logins_in_one_browser(deployment, callback, walk):  # noqa: F811
    auth = _authorization(deployment, callback)
    assert walk.page.goto(auth.url) is not None
    walk.page.get_by_role("heading", name="Connect ChatGPT?").wait_for()
    assert_plain_accessible_page(walk.page)
    assert walk.page.get_by_text("Next you sign in with Google and Microsoft.").is_visible()
    _screenshot(walk.page, "storage-consent-desktop")

    walk.page.get_by_role("button", name="Continue to sign in").click()
    walk.page.wait_for_url(f"{deployment.google.url}/o/oauth2/v2/auth?**")
    walk.page.get_by_label("Bob Nguyen (bob@example.com)").check()
    walk.page.get_by_role("button", name="Allow").click()

    walk.page.wait_for_url(f"{deployment.tenant.url}/**/oauth2/v2.0/authorize?**")  # sent on by our callback
    walk.page.get_by_label(f"Bob Chen ({MICROSOFT['bob']})").check()
    _screenshot(walk.page, "storage-microsoft-login")
    walk.page.get_by_role("button", name="Accept").click()

    walk.page.wait_for_url(f"{callback}?**")
    back = _query(walk.page.url)
    assert back["state"] == auth.state and back["iss"] == deployment.issuer and back["code"]
    tokens = httpx.post(
        f"{deployment.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": back["code"],
            "redirect_uri": callback,
            "client_id": auth.client_id,
            "code_verifier": auth.verifier,
            "resource": deployment.mcp,
        },
        timeout=10,
    )
    assert tokens.status_code == 200 and "storage.write" in tokens.json()["scope"].split()
    assert not [c for c in walk.context.cookies() if c["name"].startswith("ec_login_")]  # the binding is gone
    walk.assert_stayed_on_this_machine()
