"""Entra ID's token machinery: signing key, JWT access and ID tokens, one-time codes, rotating refresh tokens.

The clock is the sandbox's own (``Tokens.now``): the control API can move it forward so a test sees a token
expire without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from .users import GRAPH_AUDIENCE, TENANT_ID, User

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Graph's well-known application id (also a valid aud)
DEFAULT_ACCESS_LIFETIME_S = 3599
CODE_LIFETIME_S = 600
REFRESH_LIFETIME_S = 90 * 24 * 3600


class TokenError(Exception):
    """A token Graph must refuse; ``message`` is Graph's wording."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Grant:
    """What a code or refresh token stands for."""

    client_id: str
    user_id: str
    scopes: tuple[str, ...]  # as requested, e.g. ("https://graph.microsoft.com/Files.Read", "offline_access")
    redirect_uri: str = ""
    code_challenge: str = ""
    nonce: str = ""
    issued_at: float = 0.0


@dataclass
class Tokens:
    access_lifetime_s: int = DEFAULT_ACCESS_LIFETIME_S
    clock_offset_s: float = 0.0
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "sandbox-key-1"}))
    _codes: dict[str, Grant] = field(default_factory=dict)
    _refresh: dict[str, Grant] = field(default_factory=dict)
    _used_refresh: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.time() + self.clock_offset_s

    def reset(self) -> None:
        with self._lock:
            self.access_lifetime_s = DEFAULT_ACCESS_LIFETIME_S
            self.clock_offset_s = 0.0
            self._codes.clear()
            self._refresh.clear()
            self._used_refresh.clear()

    def jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}

    # ------------------------------------------------------------------ issuing
    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": self.key.kid}, claims, self.key)

    def access_token(
        self, *, audience: str, app_id: str, user: User | None, scp: list[str], roles: list[str], issuer_v2: str
    ) -> tuple[str, int]:
        """Graph tokens are v1.0 tokens (``sts.windows.net`` issuer); tokens for our own APIs are v2.0."""
        now = int(self.now())
        lifetime = self.access_lifetime_s
        graph = audience == GRAPH_AUDIENCE
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{TENANT_ID}/" if graph else issuer_v2,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "tid": TENANT_ID,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0" if graph else "2.0",
            "appid" if graph else "azp": app_id,
        }
        if user is not None:
            claims.update(oid=user.id, sub=user.id, name=user.display_name, scp=" ".join(scp))
            claims["upn" if graph else "preferred_username"] = user.mail
        else:
            claims.update(oid=app_id, sub=app_id, roles=roles, idtyp="app")
        return self._sign(claims), lifetime

    def id_token(self, *, user: User, client_id: str, issuer_v2: str, nonce: str) -> str:
        now = int(self.now())
        claims = {
            "aud": client_id,
            "iss": issuer_v2,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "tid": TENANT_ID,
            "oid": user.id,
            "sub": user.id,
            "name": user.display_name,
            "preferred_username": user.mail,
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return self._sign(claims)

    @staticmethod
    def client_info(user: User) -> str:
        raw = json.dumps({"uid": user.id, "utid": TENANT_ID}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    # ------------------------------------------------------------------ verifying
    def verify(self, token: str, *, audiences: tuple[str, ...]) -> dict[str, Any]:
        """Claims of a token this sandbox signed, for one of ``audiences``; raises TokenError with Graph's words."""
        try:
            claims = jwt.decode(token, self.key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            raise TokenError("IDX14100: JWT is not well formed, or its signature is invalid.") from None
        if claims.get("aud") not in audiences:
            raise TokenError("Invalid audience.")
        if int(claims.get("exp", 0)) <= self.now():
            raise TokenError("Lifetime validation failed, the token is expired.")
        return claims

    # ------------------------------------------------------------------ codes and refresh tokens
    def new_code(self, grant: Grant) -> str:
        code = "0.sandbox-code." + secrets.token_urlsafe(24)
        grant.issued_at = self.now()
        with self._lock:
            self._codes[code] = grant
        return code

    def redeem_code(self, code: str) -> Grant | None:
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or self.now() - grant.issued_at > CODE_LIFETIME_S:
            return None
        return grant

    def new_refresh_token(self, grant: Grant) -> str:
        token = "0.sandbox-rt." + secrets.token_urlsafe(32)
        stored = Grant(grant.client_id, grant.user_id, grant.scopes, issued_at=self.now())
        with self._lock:
            self._refresh[token] = stored
        return token

    def redeem_refresh_token(self, token: str) -> tuple[Grant | None, str]:
        """Take a refresh token (it works once: Entra rotates it). Returns (grant, why-not)."""
        with self._lock:
            grant = self._refresh.pop(token, None)
            if grant is None:
                reused = token in self._used_refresh
                return None, "reused" if reused else "unknown"
            self._used_refresh.add(token)
        if self.now() - grant.issued_at > REFRESH_LIFETIME_S:
            return None, "expired"
        return grant, ""

    def expire_refresh_tokens(self) -> int:
        """Age every refresh token past its lifetime (control API); returns how many there were."""
        with self._lock:
            for grant in self._refresh.values():
                grant.issued_at -= REFRESH_LIFETIME_S + 1
            return len(self._refresh)


def pkce_matches(challenge: str, verifier: str) -> bool:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=") == challenge


def new_request_id() -> str:
    return str(uuid.uuid4())
