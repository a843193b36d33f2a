"""The Atlassian site emulator as a test fixture: served on loopback, with its control API."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from shared.testing import serve_in_thread

from ..common.control import SandboxControl
from .app import create_app


@dataclass
class SiteUnderTest:
    url: str
    control: SandboxControl
    app: Any  # the emulator app: app.state.jira / app.state.confluence hold its data

    def requests(self, method: str | None = None) -> list[dict]:
        return [r for r in self.control.requests() if method is None or r["method"] == method]

    def requests_when(self, ready, timeout: float = 10.0) -> list[dict]:
        """The request log once `ready(log)` holds (requests still in flight land a bit later)."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.requests()
            if ready(log) or time.monotonic() > deadline:
                return log
            time.sleep(0.02)  # polling a condition with a deadline, not guessing a delay


@contextmanager
def running_site(kind: type[SiteUnderTest] = SiteUnderTest, **options):
    app = create_app(**options)
    with serve_in_thread(app, lifespan="off") as url:
        yield kind(url, SandboxControl(url), app)
