"""Microsoft Graph over httpx with the kit's policy: what every provider talking to Graph sets up alike.

Outlook (mail) and OneDrive (storage) subclass `GraphClient`: one pooled `httpx.AsyncClient` per person through
`shared.httpx_policy` (buckets, retries, breaker), the person's token read at each request (tokens get refreshed),
Graph's certificate checked against a CA file when one is configured (the sandbox's own CA), next and delta links
followed as Graph gave them.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx

from .circuit import CircuitBreaker
from .errors import InvalidInput
from .http import RetryPolicy
from .httpx_policy import checked_json, policy_client
from .ratelimit import EndpointBuckets


def graph_detail(response: httpx.Response) -> str:
    """Graph's own error text (`{"error": {"message": ...}}`), shortened; "" when the body says nothing."""
    try:
        return str(response.json()["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return ""


class GraphClient:
    """Base of a provider over Graph. A subclass sets `label` (errors, metrics) and, when every request needs
    them, `headers` (Outlook asks for immutable ids)."""

    label: str
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        graph_url: str,
        token: Callable[[], str],
        buckets: EndpointBuckets,
        breaker: CircuitBreaker,
        timeout: float,
        ca_file: str | None = None,
    ):
        verify: Any = ssl.create_default_context(cafile=ca_file) if ca_file else True
        self.base, self._token = graph_url.rstrip("/"), token
        self.http = policy_client(self.label, buckets, breaker, RetryPolicy(timeout=timeout), verify=verify)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One request: `path` under the Graph URL, or a next or delta link as Graph gave it."""
        url = path if path.startswith(("https://", "http://")) else self.base + path
        headers = {"Authorization": f"Bearer {self._token()}"} | dict(self.headers) | options.pop("headers", {})
        try:
            return await self.http.request(method, url, headers=headers, **options)
        except httpx.InvalidURL:  # words or names go into Graph's URLs: thousands of characters cannot
            raise InvalidInput(
                f"The words or names given are too long for {self.label}: use a few distinctive words, or a "
                "shorter name."
            ) from None

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        """One request, its answer as JSON or the shared error."""
        return checked_json(self.label, await self._send(method, path, **options), graph_detail)
