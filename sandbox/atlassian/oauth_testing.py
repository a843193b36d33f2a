"""Browser-less walk through the sandbox identity provider's consent page, for tests of OAuth clients (brokers):
open the ``/authorize`` URL the client built, submit the form as a person would, and return where the browser
would be sent (``redirect_uri?code=…&state=…``)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from . import users as U


class ConsentForm(HTMLParser):
    """The consent form's ``action`` and hidden fields, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action")
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields[str(a["name"])] = a.get("value") or ""


def approve(
    authorize_url: str,
    localpart: str = "alice",
    *,
    password: str | None = None,
    allow: bool = True,
    session: requests.Session | None = None,
) -> str:
    """Sign in as ``localpart@example.com`` on the consent page at ``authorize_url`` and accept (or cancel).

    Returns the ``Location`` the identity provider redirects to. Raises ``AssertionError`` with the page's status
    when no redirect comes back (unknown client, redirect URI not allowed, wrong password)."""
    http = session or requests.Session()
    page = http.get(authorize_url, timeout=10, allow_redirects=False)
    if page.status_code == 302:  # the request itself was refused and sent back to the app
        return page.headers["location"]
    assert page.status_code == 200, f"consent page answered {page.status_code}: {page.text[:300]}"
    form = ConsentForm()
    form.feed(page.text)
    user = U.user(localpart)
    data = {
        **form.fields,
        "email": user.email,
        "password": password if password is not None else user.password,
        "decision": "allow" if allow else "deny",
    }
    answer = http.post(
        urljoin(authorize_url, form.action or "/authorize"), data=data, timeout=10, allow_redirects=False
    )
    assert answer.status_code == 302, f"sign-in answered {answer.status_code}: {answer.text[:300]}"
    return answer.headers["location"]
