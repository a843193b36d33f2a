"""Tiny client for an emulator's ``/__sandbox`` control API."""

from __future__ import annotations

import requests


class SandboxControl:
    def __init__(self, base_url: str, session: requests.Session | None = None):
        self.base = base_url.rstrip("/") + "/__sandbox"
        self.http = session or requests.Session()

    def _call(self, method: str, sub: str, json=None):
        r = self.http.request(method, f"{self.base}/{sub}", json=json, timeout=10)
        r.raise_for_status()
        return r.json()

    def fault(self, **kw) -> str:
        """Add a fault (kind, method, path, times, status, retry_after, delay_ms, after_write); returns its id."""
        return self._call("POST", "faults", kw)["id"]

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def requests(self) -> list[dict]:
        return self._call("GET", "requests")["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def configure(self, **kw) -> dict:
        """``latency_ms=int``, ``rate_limits={"GET": n, ...}`` or ``False``/``True``."""
        return self._call("POST", "config", kw)

    def reset(self) -> None:
        self._call("POST", "reset")
