"""The Jira server with per-user sign-in on, for outside judges (a real browser, the MCP conformance suite).

Started in-process the way `connectors serve jira` starts it with AUTH_* settings: the built-in
authorization server on a loopback port, brokering the login to the Atlassian sandbox's OAuth 2.0 page.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.jira.connector import connector
from sandbox.atlassian.entry import sign_in_env as atlassian_sign_in
from sandbox.atlassian.oauth_testing import approve
from sandbox.atlassian.testing import SiteUnderTest, running_site
from shared import cli
from shared.settings import load_settings
from shared.testing import free_port, serve_in_thread


@dataclass
class SignInDeployment:
    mcp: str  # the protected resource, <issuer>/mcp
    issuer: str  # our authorization server
    site: SiteUnderTest  # the Atlassian sandbox (site and identity provider)


@contextmanager
def jira_with_sign_in(vault_dir: Path) -> Iterator[SignInDeployment]:
    with running_site() as site, ExitStack() as running, pytest.MonkeyPatch.context() as env:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        for name, value in {
            "JIRA_URL": site.url,
            "AUTH_PUBLIC_URL": issuer,
            "AUTH_SQLITE_PATH": str(vault_dir / "connectors.db"),
            "VAULT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            **atlassian_sign_in(site.url),  # the sandbox's 3LO app, as `connectors demo --auth` uses it
        }.items():
            env.setenv(name, value)
        env.delenv("JIRA_EMAIL", raising=False)
        env.delenv("JIRA_API_TOKEN", raising=False)
        settings = load_settings(connector.settings, rate_limit_per_second=1000)
        served = cli._served(connector, settings, port)
        running.enter_context(serve_in_thread(served.app, port=port))  # settings are read by now
        env.undo()  # so that no server started later (a session fixture's subprocess) inherits sign-in
        yield SignInDeployment(f"{issuer}/mcp", issuer, site)


def play_the_person(d: SignInDeployment, authorize_url: str, person: str = "alice") -> str:
    """What a person does with an authorization URL an MCP client prints: our consent page, the Atlassian login,
    then back to the client's callback, whose answer is returned."""
    browser = requests.Session()  # keeps the cookie that binds the login to this browser
    step = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert step.status_code == 302 and step.headers["location"].startswith(f"{d.issuer}/oauth/consent?"), step.text
    assert browser.get(step.headers["location"], timeout=10).status_code == 200
    request_id = parse_qs(urlsplit(step.headers["location"]).query)["request"][0]
    decided = browser.post(
        f"{d.issuer}/oauth/consent",
        data={"request": request_id, "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    back = approve(decided.headers["location"], person)
    done = browser.get(back, allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text[:300]
    answer = browser.get(done.headers["location"], timeout=10)  # the client's own callback
    assert answer.status_code == 200, answer.text[:300]
    return answer.text
