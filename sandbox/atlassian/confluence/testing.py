"""Helpers for tests against the Confluence emulator (a private server per test module)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from ...common.server import run_in_thread
from ..users import DEMO_TOKEN, DEMO_USER

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; same instant as the Jira tests


class Wiki:
    """``requests`` session bound to ``{base}/wiki`` with the demo user's Basic credentials."""

    def __init__(self, base: str, app, user: str = DEMO_USER, token: str = DEMO_TOKEN):
        self.base = base
        self.wiki = base + "/wiki"
        self.app = app
        self.s = requests.Session()
        self.s.auth = (user, token)
        self.s.headers["Accept"] = "application/json"

    @property
    def fixtures(self) -> dict:
        return self.app.state.confluence.fixtures

    def get(self, path: str, **kw):
        return self.s.get(self.wiki + path, timeout=10, **kw)

    def post(self, path: str, json=None, **kw):
        return self.s.post(self.wiki + path, json=json, timeout=10, **kw)

    def put(self, path: str, json=None, **kw):
        return self.s.put(self.wiki + path, json=json, timeout=10, **kw)

    def delete(self, path: str, **kw):
        return self.s.delete(self.wiki + path, timeout=10, **kw)

    def follow(self, first_path: str, *, via: str = "links"):
        """Yield every result of a v2 list or v1 search, following ``_links.next`` (or the Link header)."""
        r = self.get(first_path)
        while True:
            assert r.status_code == 200, r.text
            body = r.json()
            yield from body["results"]
            if via == "header":
                link = r.headers.get("Link", "")
                if 'rel="next"' not in link:
                    return
                nxt = link.split(">", 1)[0].lstrip("<")
            else:
                nxt = body["_links"].get("next")
                if not nxt:
                    return
            # v2 next links carry /wiki; v1 next links are relative to _links.base (which includes /wiki)
            r = self.s.get((self.base + nxt) if nxt.startswith("/wiki/") else body["_links"]["base"] + nxt, timeout=10)


def start(seed: int = 42, now: datetime = NOW, **kw):
    from ..app import create_app

    app = create_app(seed=seed, now=now, **kw)
    url, stop = run_in_thread(app)
    return Wiki(url, app), stop
