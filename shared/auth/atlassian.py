"""Atlassian Cloud (OAuth 2.0 3LO) as the upstream identity provider of Jira and Confluence connectors.

`atlassian_adapter(...)` is the generic `OAuth2Adapter` set up the Atlassian way: `audience=api.atlassian.com`
and `prompt=consent` on the authorize URL, JSON token requests, rotating refresh tokens (the vault's lock
keeps them single-flight), and an identity hook that reads the site's cloud id from
`/oauth/token/accessible-resources` (matched to `site_url` when one is configured) and the account id from
`/me` (scope `read:me`), or else from the site's `/rest/api/3/myself` or Confluence's `user/current`.
Every URL is a parameter so the sandbox's emulator can stand in for auth.atlassian.com and api.atlassian.com.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from .broker import Identify, OAuth2Adapter, UpstreamAccount, UpstreamLoginFailed
from .vault import UpstreamTokens

AUTH_BASE = "https://auth.atlassian.com"
API_BASE = "https://api.atlassian.com"


def atlassian_identity(*, api_base: str = API_BASE, site_url: str | None = None) -> Identify:
    async def identify(http: httpx.AsyncClient, token_response: dict[str, Any]) -> UpstreamAccount:
        headers = {"Authorization": f"Bearer {token_response['access_token']}", "Accept": "application/json"}
        resources = await _get_json(http, f"{api_base}/oauth/token/accessible-resources", headers)
        sites = [item for item in resources if isinstance(item, dict)] if isinstance(resources, list) else []
        wanted = site_url.rstrip("/") if site_url else None
        site = next((item for item in sites if wanted and str(item.get("url", "")).rstrip("/") == wanted), None)
        if site is None and wanted:
            raise UpstreamLoginFailed(f"this Atlassian account has not granted access to {wanted}")
        site = site or (sites[0] if sites else None)
        cloud_id = str(site["id"]) if site and site.get("id") else None
        person = await _who(http, headers, api_base, cloud_id)
        return UpstreamAccount(account_id=person[0], name=person[1], email=person[2], site=cloud_id)

    return identify


async def _who(
    http: httpx.AsyncClient, headers: dict[str, str], api_base: str, cloud_id: str | None
) -> tuple[str, str | None, str | None]:
    """(account id, name, e-mail): from `/me` (scope read:me), else from the site's own "current user"
    endpoints (scopes read:jira-user or read:confluence-user), which every 3LO app of these products has."""
    candidates = [(f"{api_base}/me", "account_id", "name", "email")]
    if cloud_id:
        candidates += [
            (f"{api_base}/ex/jira/{cloud_id}/rest/api/3/myself", "accountId", "displayName", "emailAddress"),
            (f"{api_base}/ex/confluence/{cloud_id}/wiki/rest/api/user/current", "accountId", "displayName", "email"),
        ]
    for url, id_field, name_field, email_field in candidates:
        try:
            data = await _get_json(http, url, headers)
        except UpstreamLoginFailed:
            continue
        if isinstance(data, dict) and isinstance(data.get(id_field), str) and data[id_field]:
            return data[id_field], data.get(name_field), data.get(email_field)
    raise UpstreamLoginFailed(
        "Atlassian did not say which account signed in (grant read:me, read:jira-user or read:confluence-user)"
    )


async def _get_json(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    try:
        response = await http.get(url, headers=headers)
        if response.status_code != 200:
            raise UpstreamLoginFailed(f"Atlassian answered HTTP {response.status_code} at {url}")
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UpstreamLoginFailed(f"Atlassian could not be read at {url} ({type(exc).__name__})") from None


def atlassian_adapter(
    *,
    client_id: str,
    client_secret: str,
    scopes: Sequence[str] = ("read:me", "offline_access"),
    site_url: str | None = None,
    auth_base: str = AUTH_BASE,
    api_base: str = API_BASE,
    http: httpx.AsyncClient | None = None,
) -> OAuth2Adapter:
    """The upstream for Jira and Confluence: subjects look like `atlassian:<account id>`."""
    return OAuth2Adapter(
        name="atlassian",
        display_name="Atlassian",
        authorize_endpoint=f"{auth_base}/authorize",
        token_endpoint=f"{auth_base}/oauth/token",
        client_id=client_id,
        client_secret=client_secret,
        identify=atlassian_identity(api_base=api_base, site_url=site_url),
        scopes=scopes,
        extra_authorize_params={"audience": "api.atlassian.com", "prompt": "consent"},
        token_request_format="json",
        http=http,
    )


def atlassian_gateway(product: str, *, api_base: str = API_BASE) -> Callable[[UpstreamTokens], str | None]:
    """Where a person's 3LO requests go: `https://api.atlassian.com/ex/<product>/<cloud id>` (product: jira,
    confluence), for `VaultCredentials(base_url=...)`."""

    def base_url(tokens: UpstreamTokens) -> str | None:
        return f"{api_base}/ex/{product}/{tokens.site}" if tokens.site else None

    return base_url
