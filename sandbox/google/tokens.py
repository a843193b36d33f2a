"""Google's OAuth 2.0 grants: authorization codes, access tokens that expire, refresh tokens that do not rotate.

Rules modelled (upstreams.md §7): access tokens last ``access_token_lifetime`` seconds (3600 by default);
a refresh answer carries no new refresh token; revoking either token of a grant kills the whole grant; an
account keeps at most 100 live refresh tokens per client (the oldest is dropped silently); codes are
single-use and live 10 minutes. Static tokens ``ya29.sandbox-<localpart>`` never expire and carry every scope.
Service accounts (``users.SERVICE_ACCOUNTS``) get an RSA key each, made once per store (kept across resets,
as a downloaded key file outlives any reset); ``ServiceAccountKeys.key_file`` is that key in Google's JSON format.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from . import users as U

DEMO_CLIENT_ID = "sandbox-client.apps.googleusercontent.com"
DEMO_CLIENT_SECRET = "GOCSPX-sandbox-client-secret"
CLIENTS = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
CODE_LIFETIME_S = 600
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_MAX_S = 3600  # an assertion lives at most an hour (exp - iat)
CLOCK_SKEW_S = 300
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


class ServiceAccountKeys:
    """One RSA key pair per service account, made on first use (not in every test's start-up) and kept for the
    store's life: Google signs nothing here, the key file's holder does."""

    def __init__(self) -> None:
        self._keys: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def key(self, account: U.ServiceAccount) -> RSAKey:
        with self._lock:
            if account.client_email not in self._keys:
                kid = secrets.token_hex(20)  # Google's private_key_id: 40 hex digits
                self._keys[account.client_email] = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)
            return self._keys[account.client_email]

    def key_file(self, account: U.ServiceAccount, token_uri: str) -> dict[str, Any]:
        """The JSON key file the Cloud console offers for download (``type: service_account``)."""
        key = self.key(account)
        return {
            "type": "service_account",
            "project_id": U.PROJECT_ID,
            "private_key_id": key.kid,
            "private_key": key.as_pem(private=True).decode(),
            "client_email": account.client_email,
            "client_id": account.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{account.client_email}",
            "universe_domain": "googleapis.com",
        }


class TokenStore:
    def __init__(self, *, clock: Callable[[], float] = time.time, access_token_lifetime: int = 3600) -> None:
        self._lock = threading.Lock()
        self.clock = clock
        self.default_lifetime = access_token_lifetime
        self.service_keys = ServiceAccountKeys()
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

    # ------------------------------------------------------------------ service accounts (JWT bearer, RFC 7523)
    def delegated_token(self, assertion: str, token_urls: tuple[str, ...]) -> AccessToken:
        """A token for the user a service account's signed assertion names (domain-wide delegation), refused in
        Google's words: unknown account, bad signature, wrong audience, out-of-date assertion, no delegation
        or a scope it does not cover, or a user the domain does not have."""
        claims = self._assertion_claims(assertion, token_urls)
        scopes = tuple(str(claims.get("scope", "")).split())
        if not scopes:
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        account = U.service_account(str(claims.get("iss", "")))
        assert account is not None  # checked with the signature
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise OAuthError("invalid_request", "The sandbox only emulates domain-wide delegation: set sub to a user.")
        if not set(scopes) <= set(account.delegated_scopes):
            raise OAuthError(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not authorized for "
                "any of the scopes requested.",
            )
        user = U.domain_user(subject)
        if user is None:
            raise OAuthError("invalid_grant", "Invalid email or User ID")
        return self.mint_access_token(self.new_grant(user, account.client_id, scopes, offline=False))

    def _assertion_claims(self, assertion: str, token_urls: tuple[str, ...]) -> dict[str, Any]:
        try:
            header, payload = _unverified(assertion)
        except ValueError:
            raise OAuthError("invalid_grant", "Invalid JWT: not a signed JWT.") from None
        account = U.service_account(str(payload.get("iss", "")))
        if account is None:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        key = self.service_keys.key(account)
        if header.get("alg") != "RS256" or header.get("kid") not in (None, key.kid):
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        try:
            claims = jwt.decode(assertion, key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            raise OAuthError("invalid_grant", "Invalid JWT Signature.") from None
        if claims.get("aud") not in token_urls:
            raise OAuthError(
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The right audience is {token_urls[0]}",
            )
        iat, exp, now = claims.get("iat"), claims.get("exp"), self.clock()
        if (
            not isinstance(iat, (int, float))
            or not isinstance(exp, (int, float))
            or exp <= now
            or iat > now + CLOCK_SKEW_S
            or exp - iat > ASSERTION_MAX_S
        ):
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check "
                "your iat and exp values in the JWT claim.",
            )
        return claims


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWS's header and payload before its signature is checked (to find whose key to check it with)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWS")
    header, payload = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) for part in parts[:2])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("not a JSON object")
    return header, payload
