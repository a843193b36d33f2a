"""Access tokens: the JWTs our authorization server issues, and the checks every request's token passes.

An issued token is an ES256 JWT (`typ: at+jwt`, RFC 9068) with `iss` (our issuer URL), `sub` (the
person), `aud` (the exact public `/mcp` URL it was requested for, RFC 8707), `exp`, `iat`, `nbf`,
`scope`, `client_id` and `jti`.

`JwtTokenVerifier` is the SDK's `TokenVerifier`: it returns an `AccessToken` (with `subject` and
`resource` taken from the token) only when the signature verifies with a known key under an allowed
algorithm (never `none`, never a symmetric algorithm), the issuer is exactly the expected one, the
token is within its validity window, and the audience names this server. Anything else is `None`
(the SDK answers 401). `external_idp_verifier` builds the same checks for an enterprise IdP.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from mcp.server.auth.provider import AccessToken

from .keys import ALGORITHM, KeyLookup, RemoteJwks, SigningKeys

log = logging.getLogger(__name__)

ACCESS_TOKEN_TYPE = "at+jwt"


class TokenIssuer:
    def __init__(
        self, keys: SigningKeys, issuer: str, *, ttl_seconds: int = 3600, clock: Callable[[], float] = time.time
    ):
        self.keys, self.issuer, self.ttl_seconds, self.clock = keys, issuer, ttl_seconds, clock

    def issue(
        self,
        *,
        subject: str,
        client_id: str,
        scopes: Iterable[str],
        resource: str,
        ttl_seconds: int | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """Sign an access token for `resource`; returns (token, expires_at)."""
        now = int(self.clock())
        expires_at = now + (ttl_seconds or self.ttl_seconds)
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": resource,
            "exp": expires_at,
            "iat": now,
            "nbf": now,
            "scope": " ".join(scopes),
            "client_id": client_id,
            "jti": uuid.uuid4().hex,
        }
        claims = {**(extra_claims or {}), **claims}  # extra claims never override the standard ones
        key = self.keys.current
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": ACCESS_TOKEN_TYPE}
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM]), expires_at


class JwtTokenVerifier:
    """Verify bearer JWTs for one resource (this server's public `/mcp` URL)."""

    def __init__(
        self,
        keys: KeyLookup,
        *,
        issuer: str,
        resource: str,
        algorithms: Iterable[str] = (ALGORITHM,),
        required_type: str | None = ACCESS_TOKEN_TYPE,
        leeway_seconds: int = 30,
        clock: Callable[[], float] = time.time,
    ):
        self.keys, self.issuer, self.resource = keys, issuer, resource
        # Only asymmetric algorithms: `none` and HS* (a public key misused as a shared secret) never pass.
        self.algorithms = [alg for alg in algorithms if alg[:2] in ("ES", "RS", "PS") or alg == "EdDSA"]
        self.required_type, self.leeway, self.clock = required_type, leeway_seconds, clock

    async def verify_token(self, token: str) -> AccessToken | None:
        refusal, claims = await self._check(token)
        if refusal is not None:
            log.debug("auth: bearer token refused: %s", refusal)  # the reason only, never the token
            return None
        assert claims is not None
        return AccessToken(
            token=token,
            client_id=str(claims.get("client_id") or claims.get("azp") or claims.get("cid") or ""),
            scopes=_scopes(claims),
            expires_at=int(claims["exp"]),
            resource=self.resource,
            subject=str(claims["sub"]),
            claims=claims,
        )

    async def _check(self, token: str) -> tuple[str | None, dict[str, Any] | None]:
        header = _header(token)
        if header is None:
            return "not a signed JWT", None
        if header.get("alg") not in self.algorithms:
            return f"algorithm {header.get('alg')!r} is not accepted", None
        if self.required_type and str(header.get("typ", "")).lower() not in (
            self.required_type,
            f"application/{self.required_type}",
        ):
            return "not an access token (typ)", None
        key = await self.keys.key_for(header.get("kid") if isinstance(header.get("kid"), str) else None)
        if key is None:
            return "signed with an unknown key", None
        try:
            claims = jwt.decode(token, key, algorithms=self.algorithms).claims
        except (JoseError, ValueError):
            return "bad signature or payload", None
        return self._check_claims(claims), claims

    def _check_claims(self, claims: dict[str, Any]) -> str | None:
        now = self.clock()
        if claims.get("iss") != self.issuer:
            return "issued by another issuer"
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        if self.resource not in audiences:
            return "issued for another resource (aud)"
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            return "no subject"
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if not isinstance(exp, (int, float)) or exp + self.leeway <= now:
            return "expired (or no exp)"
        if isinstance(nbf, (int, float)) and nbf - self.leeway > now:
            return "not valid yet (nbf)"
        if isinstance(iat, (int, float)) and iat - self.leeway > now:
            return "issued in the future (iat)"
        return None


def external_idp_verifier(
    *,
    issuer: str,
    jwks_url: str,
    audience: str,
    algorithms: Iterable[str] = ("RS256", "ES256"),
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
) -> JwtTokenVerifier:
    """Trust an enterprise identity provider: its issuer, its JWKS, and tokens whose `aud` is `audience`."""
    return JwtTokenVerifier(
        RemoteJwks(jwks_url, http=http),
        issuer=issuer,
        resource=audience,
        algorithms=algorithms,
        required_type=None,  # IdPs differ (JWT, at+jwt, none): signature, issuer and audience decide
        clock=clock,
    )


def _header(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


def _scopes(claims: dict[str, Any]) -> list[str]:
    scope = claims.get("scope", claims.get("scp", ""))
    if isinstance(scope, list):
        return [str(item) for item in scope]
    return str(scope).split()
