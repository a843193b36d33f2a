"""Google (OAuth 2.0 for web server apps) as an upstream identity provider: Drive and Gmail connectors.

`google_adapter(...)` is the generic `OAuth2Adapter` set up the Google way: `access_type=offline` and
`prompt=consent` (Google returns a refresh token only then, and only on a consent screen),
`include_granted_scopes=true` (incremental authorization keeps what the person granted earlier), the
OpenID scopes `openid email profile` on every login, and the identity read from the OpenID userinfo
endpoint (`sub` is the stable Google account id). Google does not rotate refresh tokens; a refresh that
answers `invalid_grant` (revoked, or the person changed their password) unlinks the person.
Every URL is a parameter so the sandbox's emulator can stand in for Google's hosts.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from .broker import OAuth2Adapter, userinfo_identity

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
USERINFO_URL = "https://openidconnect.googleapis.com/v1/userinfo"
OPENID_SCOPES = ("openid", "email", "profile")
DRIVE = "https://www.googleapis.com/auth/drive"


def google_urls(base_url: str) -> tuple[str, str, str]:
    """(authorize, token, userinfo) URLs: Google's own, or those of one origin serving Google's paths (a sandbox)."""
    if not base_url:
        return AUTHORIZE_URL, TOKEN_URL, USERINFO_URL
    base = base_url.rstrip("/")
    return f"{base}/o/oauth2/v2/auth", f"{base}/token", f"{base}/oauth2/v3/userinfo"


def google_adapter(
    *,
    client_id: str,
    client_secret: str,
    scopes: Sequence[str] = (),
    authorize_url: str = AUTHORIZE_URL,
    token_url: str = TOKEN_URL,
    userinfo_url: str = USERINFO_URL,
    hosted_domain: str = "",
    http: httpx.AsyncClient | None = None,
) -> OAuth2Adapter:
    """The upstream for Google Workspace: subjects look like `google:<account id>`."""
    params = {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}
    if hosted_domain:
        params["hd"] = hosted_domain  # a hint at Google's account chooser (our identity check does not rely on it)
    return OAuth2Adapter(
        name="google",
        display_name="Google",
        authorize_endpoint=authorize_url,
        token_endpoint=token_url,
        client_id=client_id,
        client_secret=client_secret,
        identify=userinfo_identity(userinfo_url),
        scopes=scopes,
        always_scopes=OPENID_SCOPES,
        extra_authorize_params=params,
        http=http,
    )
