"""Per-user sign-in walked in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright.

The Jira server runs with sign-in on (the built-in authorization server brokering the login to the
Atlassian sandbox). A client registers (DCR) with a loopback callback we serve, then the browser opens
`/authorize` as ChatGPT would send a person there: our consent page ("Connect ChatGPT?"), the sandbox's
Atlassian sign-in page (alice / password-alice), and back to the client's callback with `code`, `state`
and `iss`. Every page must be plain accessible HTML (a language, a title, a heading, labelled inputs, no
script), must fit a phone (390x844: a viewport meta, no horizontal scroll), and must load nothing from
outside the machine: any request to a non-loopback host is blocked and fails the test. Refusals (a link
opened in another browser, an expired request) are pages in plain words; Cancel sends `access_denied`.

Screenshots (consent and error, desktop and phone) are written to `.artifacts/sign-in/` (gitignored).
Chromium comes from apt (`.ci/run` installs it); Playwright never downloads a browser here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route as HttpRoute

from shared.testing import serve_in_thread

from .conftest import REPO
from .sign_in_server import SignInDeployment, jira_with_sign_in

pytestmark = [pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]
SCREENSHOTS = REPO / ".artifacts" / "sign-in"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
WAIT_MS = 15_000


@dataclass
class Walk:
    """One browser context's view of the sign-in: every request it made, and those we blocked."""

    context: BrowserContext
    page: Page
    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def assert_stayed_on_this_machine(self) -> None:
        outside = [url for url in self.requested if not _is_local(url)]
        assert not outside and not self.blocked, f"requests left the machine: {outside + self.blocked}"


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "about", "blob") or (parts.hostname or "") in LOOPBACK


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[SignInDeployment]:
    with jira_with_sign_in(tmp_path_factory.mktemp("vault")) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def callback() -> Iterator[str]:
    """The client's redirect URI: a loopback page, as a desktop client or ChatGPT's callback would be."""

    def landed(request) -> HTMLResponse:
        return HTMLResponse('<!doctype html><html lang="en"><title>Back in the app</title><h1>Back in the app</h1>')

    with serve_in_thread(Starlette(routes=[HttpRoute("/callback", landed)]), lifespan="off") as base:
        yield f"{base}/callback"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def walk(browser: Browser) -> Iterator[Walk]:
    yield from _walk(browser, DESKTOP)


@pytest.fixture
def phone_walk(browser: Browser) -> Iterator[Walk]:
    yield from _walk(browser, PHONE)


def _walk(browser: Browser, device: dict) -> Iterator[Walk]:
    context = browser.new_context(**device)
    context.set_default_timeout(WAIT_MS)
    walk = Walk(context, context.new_page())

    def guard(route: Route) -> None:
        if _is_local(route.request.url):
            route.continue_()
        else:
            walk.blocked.append(route.request.url)
            route.abort()

    def seen(request: Request) -> None:  # also sees redirect hops, which routing does not
        walk.requested.append(request.url)

    context.route("**/*", guard)
    context.on("request", seen)
    try:
        yield walk
    finally:
        context.close()


def _register(d: SignInDeployment, callback: str) -> str:
    answer = httpx.post(
        f"{d.issuer}/register",
        json={
            "redirect_uris": [callback],
            "token_endpoint_auth_method": "none",
            "client_name": "ChatGPT",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["client_id"]


@dataclass
class Authorization:
    url: str
    client_id: str
    verifier: str
    state: str


def _authorization(d: SignInDeployment, callback: str) -> Authorization:
    client_id = _register(d, callback)
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": callback,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "jira.read jira.write offline_access",
        "resource": d.mcp,
    }
    return Authorization(f"{d.issuer}/authorize?{urlencode(query)}", client_id, verifier, state)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


PAGE_FACTS = """() => {
  const visible = [...document.querySelectorAll('input, select, textarea')].filter(e => e.type !== 'hidden');
  const meta = document.querySelector('meta[name=viewport]');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    h1: [...document.querySelectorAll('h1')].map(e => e.textContent.trim()),
    unlabelled: visible.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name),
    nameless_buttons: [...document.querySelectorAll('button')].filter(b => !b.textContent.trim()).length,
    scripts: document.scripts.length,
    external: [...document.querySelectorAll('[src], link[href]')].map(e => e.src || e.href),
    viewport: meta ? meta.content : null,
    scroll_width: document.documentElement.scrollWidth,
    inner_width: window.innerWidth,
  };
}"""


def assert_plain_accessible_page(page: Page) -> dict:
    facts = page.evaluate(PAGE_FACTS)
    assert facts["lang"] == "en", facts
    assert facts["title"].strip(), facts
    assert len(facts["h1"]) == 1 and facts["h1"][0], facts
    assert facts["unlabelled"] == [] and facts["nameless_buttons"] == 0, facts
    assert facts["scripts"] == 0 and facts["external"] == [], facts
    assert facts["viewport"] and "width=device-width" in facts["viewport"], facts
    assert facts["scroll_width"] <= facts["inner_width"], f"horizontal scroll: {facts}"
    return facts


def _screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2_000, f"no screenshot at {path}"
    return path


def _open_consent(walk: Walk, auth: Authorization) -> None:
    answer = walk.page.goto(auth.url)
    assert answer is not None and answer.status == 200
    walk.page.get_by_role("heading", name="Connect ChatGPT?").wait_for()


def _sign_in_at_atlassian(walk: Walk, d: SignInDeployment, who: str = "alice") -> None:
    walk.page.get_by_role("button", name="Continue to sign in").click()
    walk.page.wait_for_url(f"{d.site.url}/authorize?**")
    walk.page.get_by_role("heading", name="Sign in to continue to", exact=False).wait_for()
    assert_plain_accessible_page(walk.page)
    walk.page.get_by_label("Email").fill(f"{who}@example.com")
    walk.page.get_by_label("Password").fill(f"password-{who}")
    walk.page.get_by_role("button", name="Accept").click()


def test_a_person_connects_in_a_browser_through_our_consent_and_the_atlassian_login(deployment, callback, walk):
    auth = _authorization(deployment, callback)
    _open_consent(walk, auth)
    facts = assert_plain_accessible_page(walk.page)
    assert facts["title"] == "Connect ChatGPT"
    assert walk.page.get_by_text("read what your account can see in Jira").is_visible()
    _screenshot(walk.page, "consent-desktop")

    _sign_in_at_atlassian(walk, deployment)
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
    assert tokens.status_code == 200 and tokens.json()["access_token"], tokens.text
    walk.assert_stayed_on_this_machine()


def test_the_sign_in_pages_fit_a_phone_screen(deployment, callback, phone_walk):
    walk = phone_walk
    auth = _authorization(deployment, callback)
    _open_consent(walk, auth)
    assert assert_plain_accessible_page(walk.page)["inner_width"] == 390
    for button in ("Continue to sign in", "Cancel"):
        box = walk.page.get_by_role("button", name=button).bounding_box()
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390, (button, box)
    _screenshot(walk.page, "consent-phone")

    _sign_in_at_atlassian(walk, deployment)  # checks the Atlassian page on the phone too
    walk.page.wait_for_url(f"{callback}?**")
    assert _query(walk.page.url)["iss"] == deployment.issuer
    walk.assert_stayed_on_this_machine()


def test_cancel_on_the_consent_page_sends_access_denied_back_to_the_app(deployment, callback, walk):
    auth = _authorization(deployment, callback)
    _open_consent(walk, auth)
    walk.page.get_by_role("button", name="Cancel").click()
    walk.page.wait_for_url(f"{callback}?**")
    back = _query(walk.page.url)
    assert back["error"] == "access_denied" and back["state"] == auth.state and back["iss"] == deployment.issuer
    assert "code" not in back
    walk.assert_stayed_on_this_machine()


def test_cancel_on_the_atlassian_page_sends_access_denied_back_to_the_app(deployment, callback, walk):
    auth = _authorization(deployment, callback)
    _open_consent(walk, auth)
    walk.page.get_by_role("button", name="Continue to sign in").click()
    walk.page.wait_for_url(f"{deployment.site.url}/authorize?**")
    walk.page.get_by_role("button", name="Cancel").click()
    walk.page.wait_for_url(f"{callback}?**")
    back = _query(walk.page.url)
    assert back["error"] == "access_denied" and back["state"] == auth.state and back["iss"] == deployment.issuer
    assert "code" not in back
    walk.assert_stayed_on_this_machine()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_sign_in_link_opened_in_another_browser_is_refused_in_plain_words(deployment, callback, browser, device):
    auth = _authorization(deployment, callback)
    for started in _walk(browser, DESKTOP):
        _open_consent(started, auth)
        consent_link = started.page.url
    for other in _walk(browser, PHONE if device == "phone" else DESKTOP):
        answer = other.page.goto(consent_link)
        assert answer is not None and answer.status == 403
        assert_plain_accessible_page(other.page)
        other.page.get_by_role("heading", name="This sign-in was started elsewhere").wait_for()
        assert "must finish in the browser that started it" in other.page.get_by_role("alert").inner_text()
        assert "{" not in other.page.inner_text("body")  # words, not a JSON error
        _screenshot(other.page, f"error-{device}")
        other.assert_stayed_on_this_machine()


def test_a_used_or_unknown_sign_in_request_is_explained_in_plain_words(deployment, walk):
    answer = walk.page.goto(f"{deployment.issuer}/oauth/consent?request=no-such-request")
    assert answer is not None and answer.status == 400
    assert_plain_accessible_page(walk.page)
    walk.page.get_by_role("heading", name="This sign-in request has expired").wait_for()
    assert "already used" in walk.page.get_by_role("alert").inner_text()
    walk.assert_stayed_on_this_machine()
