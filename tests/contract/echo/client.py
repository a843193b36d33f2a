"""Echo REST access: one method per upstream operation, through the shared resilient session."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import requests

from shared.circuit import CircuitBreaker
from shared.credentials import Credential
from shared.http import RetryPolicy, checked_json, in_worker, resilient_session
from shared.ratelimit import EndpointBuckets

from .settings import EchoSettings

UPSTREAM = "Echo"


def _detail(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", ""))[:300]
    except (ValueError, AttributeError):
        return ""


class EchoClient:
    def __init__(
        self, settings: EchoSettings, credential: Credential, buckets: EndpointBuckets, breaker: CircuitBreaker
    ):
        self.settings, self.credential, self.buckets, self.breaker = settings, credential, buckets, breaker
        self.base = (credential.base_url or settings.url).rstrip("/")

    @cached_property
    def _session(self) -> requests.Session:
        policy = RetryPolicy(timeout=self.settings.http_timeout_seconds)
        session = resilient_session(UPSTREAM, self.buckets, self.breaker, policy)
        session.headers["Authorization"] = f"Bearer {self.credential.secret.get_secret_value()}"
        return session

    def note_url(self, note_id: str) -> str:
        return f"{self.base}/notes/{note_id}"

    def _call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Any:
        url = f"{self.base}/api/{path}"
        return checked_json(UPSTREAM, lambda: self._session.request(method, url, params=params, json=body), _detail)

    async def me(self) -> dict:
        return await in_worker(self._call, "GET", "me")

    async def search(self, words: str) -> list[dict]:
        return (await in_worker(self._call, "GET", "notes", {"q": words}))["notes"]

    async def note(self, note_id: str) -> dict:
        return await in_worker(self._call, "GET", f"notes/{note_id}")

    async def add_note(self, title: str, text: str) -> dict:
        return await in_worker(self._call, "POST", "notes", None, {"title": title, "text": text})
