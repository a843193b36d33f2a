"""Atlassian's OAuth 2.0 (3LO) grants: registered apps, authorization codes, expiring access tokens and rotating
refresh tokens (upstreams.md §4).

Rules modelled:
* Codes are single-use, bound to their client and ``redirect_uri``, and live 10 minutes.
* Access tokens live ``access_token_lifetime`` seconds (3600 by default, changeable through the control API).
* A refresh token is issued only when ``offline_access`` was granted. Every refresh returns a new refresh token and
  invalidates the one used; presenting an already-used refresh token fails with ``invalid_grant`` and, as reuse
  detection does on Cloud, revokes the whole family (every token of that grant).
* Revoking a user's grants (control API or ``POST /oauth/revoke``) makes their refresh tokens fail with
  ``invalid_grant`` and their access tokens answer 401.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import users as U

DEMO_CLIENT_ID = "sandbox-atlassian-client"
DEMO_CLIENT_SECRET = "sandbox-atlassian-secret"
AUDIENCE = "api.atlassian.com"
CODE_LIFETIME_S = 600
DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3600
_SCOPE = re.compile(r"^(offline_access|[a-z]+(:[a-z0-9.\-]+)+)$")


class OAuthError(Exception):
    """An OAuth error answer: ``{"error": code, "error_description": description}`` with ``status``."""

    def __init__(self, status: int, code: str, description: str):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description

    def to_json(self) -> dict:
        return {"error": self.code, "error_description": self.description}


def invalid_grant(description: str) -> OAuthError:
    return OAuthError(403, "invalid_grant", description)


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()  # exact matches, besides any loopback http URL when allow_loopback
    allow_loopback: bool = True
    name: str = "Sandbox OAuth app"

    def allows(self, redirect_uri: str) -> bool:
        if redirect_uri in self.redirect_uris:
            return True
        u = urlsplit(redirect_uri)
        return self.allow_loopback and u.scheme == "http" and u.hostname in ("127.0.0.1", "localhost", "::1")


@dataclass
class Grant:
    """One user's consent to one app: a family of access and refresh tokens."""

    id: str
    client_id: str
    account_id: str
    scopes: tuple[str, ...]
    revoked: bool = False
    refresh_token: str | None = None  # the only live one


@dataclass
class PendingCode:
    code: str
    client_id: str
    redirect_uri: str
    account_id: str
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires_at: float


def parse_scopes(raw: str | None) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys((raw or "").split()))
    if not scopes:
        raise OAuthError(400, "invalid_scope", "The scope parameter is required (space-separated scopes).")
    bad = [s for s in scopes if not _SCOPE.match(s)]
    if bad:
        raise OAuthError(400, "invalid_scope", f"Unknown scope: {bad[0]}")
    return scopes


class GrantStore:
    """Every app registration, code and token of the sandbox's identity provider (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.apps = {DEMO_CLIENT_ID: OAuthApp(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)}
            self.access_token_lifetime = DEFAULT_ACCESS_TOKEN_LIFETIME_S
            self.codes: dict[str, PendingCode] = {}
            self.grants: dict[str, Grant] = {}
            self.access: dict[str, AccessToken] = {}
            self.refresh: dict[str, Grant] = {}  # every refresh token ever issued -> its grant

    # ------------------------------------------------------------ apps
    def register(self, client_id: str, client_secret: str, redirect_uris: list[str], allow_loopback: bool) -> OAuthApp:
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        with self.lock:
            app = OAuthApp(client_id, client_secret, tuple(redirect_uris), allow_loopback)
            self.apps[client_id] = app
            return app

    def app(self, client_id: str | None) -> OAuthApp | None:
        return self.apps.get(client_id or "")

    def authenticate_client(self, client_id: str | None, client_secret: str | None) -> OAuthApp:
        app = self.app(client_id)
        if app is None or not secrets.compare_digest(app.client_secret, client_secret or ""):
            raise OAuthError(401, "access_denied", "Unauthorized: unknown client_id or wrong client_secret.")
        return app

    # ------------------------------------------------------------ codes and tokens
    def issue_code(self, app: OAuthApp, redirect_uri: str, user: U.User, scopes: tuple[str, ...]) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = PendingCode(
                code, app.client_id, redirect_uri, user.account_id, scopes, time.time() + CODE_LIFETIME_S
            )
        return code

    def _mint(self, grant: Grant) -> dict:
        token = "atl-" + secrets.token_urlsafe(32)  # never of the static ``oauth-<localpart>`` form
        lifetime = self.access_token_lifetime
        self.access[token] = AccessToken(token, grant, time.time() + lifetime)
        out = {"access_token": token, "expires_in": lifetime, "token_type": "Bearer", "scope": " ".join(grant.scopes)}
        if "offline_access" in grant.scopes:
            refresh = "atl-r-" + secrets.token_urlsafe(32)
            grant.refresh_token = refresh
            self.refresh[refresh] = grant
            out["refresh_token"] = refresh
        return out

    def exchange_code(self, app: OAuthApp, code: str | None, redirect_uri: str | None) -> dict:
        with self.lock:
            pending = self.codes.pop(code or "", None)
            if pending is None or pending.expires_at < time.time():
                raise invalid_grant("Invalid authorization code: unknown, expired or already used.")
            if pending.client_id != app.client_id:
                raise invalid_grant("The authorization code was issued to another client.")
            if pending.redirect_uri != (redirect_uri or ""):
                raise invalid_grant("redirect_uri does not match the one used to authorize.")
            grant = Grant(secrets.token_hex(8), app.client_id, pending.account_id, pending.scopes)
            self.grants[grant.id] = grant
            return self._mint(grant)

    def refresh_grant(self, app: OAuthApp, refresh_token: str | None) -> dict:
        with self.lock:
            grant = self.refresh.get(refresh_token or "")
            if grant is None or grant.client_id != app.client_id:
                raise invalid_grant("Unknown or invalid refresh token.")
            if grant.revoked:
                raise invalid_grant("The refresh token has been revoked.")
            if refresh_token != grant.refresh_token:
                self._revoke(grant)  # reuse detection: a rotated token came back, so the family is burnt
                raise invalid_grant("The refresh token was already used (rotated); the grant has been revoked.")
            user = U.BY_ACCOUNT_ID.get(grant.account_id)
            if user is None or not user.active:
                raise invalid_grant("The user's account is no longer active.")
            return self._mint(grant)

    def lookup(self, access_token: str) -> AccessToken | None:
        with self.lock:
            found = self.access.get(access_token)
            if found is None or found.grant.revoked or found.expires_at <= time.time():
                return None
            return found

    def user_for(self, access_token: str) -> U.User | None:
        found = self.lookup(access_token)
        u = U.BY_ACCOUNT_ID.get(found.grant.account_id) if found else None
        return u if u is not None and u.active else None

    # ------------------------------------------------------------ revocation and expiry
    def _revoke(self, grant: Grant) -> None:
        grant.revoked = True
        grant.refresh_token = None

    def revoke_user(self, account_id: str, client_id: str | None = None) -> int:
        with self.lock:
            hit = [
                g
                for g in self.grants.values()
                if g.account_id == account_id and not g.revoked and (client_id is None or g.client_id == client_id)
            ]
            for g in hit:
                self._revoke(g)
            return len(hit)

    def revoke_token(self, app: OAuthApp, token: str) -> None:
        """RFC 7009 style: either token of a grant revokes the grant; unknown tokens are ignored."""
        with self.lock:
            grant = self.refresh.get(token) or (self.access[token].grant if token in self.access else None)
            if grant is not None and grant.client_id == app.client_id:
                self._revoke(grant)

    def expire_access_tokens(self, account_id: str | None = None) -> int:
        with self.lock:
            hit = [t for t in self.access.values() if account_id is None or t.grant.account_id == account_id]
            for t in hit:
                t.expires_at = 0.0
            return len(hit)
