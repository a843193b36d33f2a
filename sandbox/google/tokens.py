"""Google's OAuth 2.0 grants: authorization codes, access tokens that expire, refresh tokens that do not rotate.

Rules modelled (upstreams.md §7): access tokens last ``access_token_lifetime`` seconds (3600 by default);
a refresh answer carries no new refresh token; revoking either token of a grant kills the whole grant; an
account keeps at most 100 live refresh tokens per client (the oldest is dropped silently); codes are
single-use and live 10 minutes. Static tokens ``ya29.sandbox-<localpart>`` never expire and carry every scope.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import users as U

DEMO_CLIENT_ID = "sandbox-client.apps.googleusercontent.com"
DEMO_CLIENT_SECRET = "GOCSPX-sandbox-client-secret"
CLIENTS = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
CODE_LIFETIME_S = 600
MAX_REFRESH_TOKENS = 100
ALL_SCOPES = (
    "openid",
    "email",
    "profile",
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/gmail.modify",
)


@dataclass
class Grant:
    """One user's consent to one client: the refresh token and the access tokens minted from it."""

    user: U.User
    client_id: str
    scopes: tuple[str, ...]
    refresh_token: str | None = None
    created: float = 0.0
    revoked: bool = False
    access_tokens: set[str] = field(default_factory=set)


@dataclass
class AccessToken:
    token: str
    grant: Grant | None  # None for a static demo token
    user: U.User
    scopes: tuple[str, ...]
    expires_at: float  # float("inf") for static tokens

    def alive(self, now: float) -> bool:
        return now < self.expires_at and (self.grant is None or not self.grant.revoked)


@dataclass
class PendingCode:
    user: U.User
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    offline: bool
    challenge: str | None
    challenge_method: str | None
    expires_at: float
    nonce: str | None = None


class OAuthError(Exception):
    """An RFC 6749 error answer: ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class TokenStore:
    def __init__(self, *, clock: Callable[[], float] = time.time, access_token_lifetime: int = 3600) -> None:
        self._lock = threading.Lock()
        self.clock = clock
        self.default_lifetime = access_token_lifetime
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.access_token_lifetime = self.default_lifetime
            self._codes: dict[str, PendingCode] = {}
            self._access: dict[str, AccessToken] = {}
            self._grants_by_refresh: dict[str, Grant] = {}
            self._grants: list[Grant] = []

    # ------------------------------------------------------------------ authorization codes
    def issue_code(self, code: PendingCode) -> str:
        value = "4/0" + secrets.token_urlsafe(32)
        with self._lock:
            self._codes[value] = code
        return value

    def redeem_code(self, value: str) -> PendingCode:
        with self._lock:
            code = self._codes.pop(value, None)
        if code is None or code.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "Bad Request")
        return code

    # ------------------------------------------------------------------ grants and tokens
    def new_grant(self, user: U.User, client_id: str, scopes: tuple[str, ...], offline: bool) -> Grant:
        grant = Grant(user, client_id, scopes, created=self.clock())
        with self._lock:
            if offline:
                grant.refresh_token = "1//0" + secrets.token_urlsafe(48)
                self._grants_by_refresh[grant.refresh_token] = grant
                self._drop_oldest_refresh_tokens(user, client_id)
            self._grants.append(grant)
        return grant

    def _drop_oldest_refresh_tokens(self, user: U.User, client_id: str) -> None:
        live = [
            g for g in self._grants_by_refresh.values() if g.user == user and g.client_id == client_id and not g.revoked
        ]
        for old in sorted(live, key=lambda g: g.created)[: max(0, len(live) - MAX_REFRESH_TOKENS)]:
            old.revoked = True

    def mint_access_token(self, grant: Grant) -> AccessToken:
        token = AccessToken(
            "ya29.a0" + secrets.token_urlsafe(64),
            grant,
            grant.user,
            grant.scopes,
            self.clock() + self.access_token_lifetime,
        )
        with self._lock:
            self._access[token.token] = token
            grant.access_tokens.add(token.token)
        return token

    def grant_for_refresh(self, refresh_token: str, client_id: str) -> Grant:
        with self._lock:
            grant = self._grants_by_refresh.get(refresh_token)
        if grant is None or grant.revoked:
            raise OAuthError("invalid_grant", "Token has been expired or revoked.")
        if grant.client_id != client_id:
            raise OAuthError("unauthorized_client", "Unauthorized")
        return grant

    def lookup(self, token: str) -> AccessToken | None:
        """The live access token, or None (unknown, expired or revoked)."""
        user = U.by_static_token(token)
        if user is not None:
            return AccessToken(token, None, user, ALL_SCOPES, float("inf"))
        with self._lock:
            found = self._access.get(token)
        return found if found is not None and found.alive(self.clock()) else None

    def revoke(self, token: str) -> bool:
        """Revoke the grant behind an access or refresh token; False when the token is unknown or dead."""
        with self._lock:
            grant = self._grants_by_refresh.get(token)
            if grant is None:
                access = self._access.get(token)
                grant = access.grant if access is not None and access.alive(self.clock()) else None
            if grant is None or grant.revoked:
                return False
            grant.revoked = True
            return True

    def revoke_user(self, email: str, client_id: str = DEMO_CLIENT_ID) -> int:
        """The person removes the app at myaccount.google.com (Security -> Third-party access): every grant of that
        client for them is revoked, so its refresh tokens answer ``invalid_grant``. Returns how many."""
        with self._lock:
            mine = [g for g in self._grants if g.user.email == email and g.client_id == client_id and not g.revoked]
            for grant in mine:
                grant.revoked = True
            return len(mine)

    def expire_access_tokens(self) -> int:
        """Control API: make every issued access token expired now (refresh tokens stay valid)."""
        now = self.clock()
        with self._lock:
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)
            return len(self._access)
