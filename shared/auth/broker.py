"""The upstream's login, behind one small interface: one adapter per identity provider.

The authorization server sends the person to `authorize_url(...)`; the upstream redirects back to
our callback with a code; `exchange(...)` turns it into the person's upstream tokens and who they are
there; `refresh(...)` renews tokens later (the vault calls it under its lock). `OAuth2Adapter` is a
generic OAuth 2.0 authorization-code client (Atlassian 3LO, Google and Microsoft fit it); an `identify`
hook names the account, e.g. `userinfo_identity(url)` reads a UserInfo-style endpoint.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

import httpx

from .errors import InvalidGrant, RefreshFailed
from .vault import UpstreamTokens


@dataclass(frozen=True)
class UpstreamAccount:
    """Who the person is at the upstream. `account_id` must be stable: it becomes part of our `sub`."""

    account_id: str
    name: str | None = None
    email: str | None = None
    site: str | None = None


class UpstreamLoginFailed(Exception):
    """The upstream refused the code, or answered something we cannot use. The message is safe to show."""


class UpstreamIdentityProvider(Protocol):
    name: str  # the vault's upstream key and our subject's namespace, e.g. "atlassian"
    display_name: str  # shown to the person, e.g. "Atlassian"

    def authorize_url(self, state: str, redirect_uri: str, scopes: Sequence[str]) -> str: ...

    async def exchange(self, code: str, redirect_uri: str) -> tuple[UpstreamAccount, UpstreamTokens]: ...

    async def refresh(self, refresh_token: str) -> UpstreamTokens: ...


Identify = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[UpstreamAccount]]
"""Given the HTTP client and the token response, say whose tokens these are."""


def userinfo_identity(url: str, *, id_field: str = "sub", site: str | None = None) -> Identify:
    """Identify the account by calling a UserInfo-style endpoint with the new access token."""

    async def identify(http: httpx.AsyncClient, token_response: dict[str, Any]) -> UpstreamAccount:
        try:
            response = await http.get(url, headers={"Authorization": f"Bearer {token_response['access_token']}"})
            data = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            raise UpstreamLoginFailed(f"the identity endpoint could not be read ({type(exc).__name__})") from None
        if not isinstance(data, dict):
            raise UpstreamLoginFailed(f"the identity endpoint answered HTTP {response.status_code} without an account")
        account_id = data.get(id_field)
        if not isinstance(account_id, str) or not account_id:
            raise UpstreamLoginFailed(f"the identity endpoint gave no {id_field}")
        return UpstreamAccount(account_id=account_id, name=data.get("name"), email=data.get("email"), site=site)

    return identify


@dataclass
class OAuth2Adapter:
    """A generic OAuth 2.0 authorization-code client for an upstream identity provider."""

    name: str
    display_name: str
    authorize_endpoint: str
    token_endpoint: str
    client_id: str
    client_secret: str = field(repr=False)
    identify: Identify
    scopes: Sequence[str] = ()  # used when the caller asks for none
    always_scopes: Sequence[str] = ()  # asked on every login besides the caller's, e.g. Google's openid email profile
    extra_authorize_params: Mapping[str, str] = field(default_factory=dict)  # e.g. Atlassian's audience, prompt
    token_request_format: Literal["form", "json"] = "form"  # Atlassian documents a JSON body
    # None: a short-lived client per login or refresh (both are rare), so the adapter works from any event loop.
    http: httpx.AsyncClient | None = None
    clock: Callable[[], float] = time.time

    def authorize_url(self, state: str, redirect_uri: str, scopes: Sequence[str]) -> str:
        params = {
            **self.extra_authorize_params,
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(_union(self.always_scopes, scopes or self.scopes)),
            "state": state,
        }
        separator = "&" if "?" in self.authorize_endpoint else "?"
        return f"{self.authorize_endpoint}{separator}{urlencode(params)}"

    async def exchange(self, code: str, redirect_uri: str) -> tuple[UpstreamAccount, UpstreamTokens]:
        data = await self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        if data is None:
            raise UpstreamLoginFailed(f"{self.display_name} did not accept the sign-in (the code was refused)")
        async with self._client() as http:
            account = await self.identify(http, data)
        return account, self._tokens(data, account)

    async def refresh(self, refresh_token: str) -> UpstreamTokens:
        data = await self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})
        if data is None:
            raise InvalidGrant()
        return self._tokens(data, None)

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any] | None:
        """The token response, or None for `invalid_grant`; other failures raise RefreshFailed / UpstreamLoginFailed."""
        form = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
        try:
            async with self._client() as http:
                headers = {"Accept": "application/json"}
                if self.token_request_format == "json":
                    response = await http.post(self.token_endpoint, json=form, headers=headers)
                else:
                    response = await http.post(self.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise RefreshFailed(f"{self.display_name} could not be reached ({type(exc).__name__})") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        # Atlassian answers a refused refresh with 403, others with 400 or 401: the error code decides.
        if 400 <= response.status_code < 500 and isinstance(data, dict) and data.get("error") == "invalid_grant":
            return None
        if response.status_code != 200 or not isinstance(data, dict) or not data.get("access_token"):
            error = data.get("error") if isinstance(data, dict) else None
            raise RefreshFailed(
                f"{self.display_name}'s token endpoint answered HTTP {response.status_code} {error or ''}"
            )
        return data

    def _tokens(self, data: dict[str, Any], account: UpstreamAccount | None) -> UpstreamTokens:
        expires_in = data.get("expires_in")
        scope = data.get("scope")
        return UpstreamTokens(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=self.clock() + float(expires_in) if isinstance(expires_in, (int, float)) else None,
            scopes=tuple(scope.split()) if isinstance(scope, str) else (),
            account_id=account.account_id if account else None,
            site=account.site if account else None,
        )

    def _client(self) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        if self.http is not None:
            return contextlib.nullcontext(self.http)
        return httpx.AsyncClient(timeout=15.0, verify=_tls_context())


def _union(*groups: Sequence[str]) -> list[str]:
    """The scopes of every group once each, in order."""
    seen: list[str] = []
    for group in groups:
        seen += [scope for scope in group if scope not in seen]
    return seen


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verified TLS context for every short-lived client (loading the CA bundle costs tens of ms)."""
    return ssl.create_default_context()
