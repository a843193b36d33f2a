"""SEP-990: identity assertions (ID-JAG) from the company's identity provider, accepted at our token endpoint.

An enterprise client, provisioned out of band (`AUTH_ID_JAG_CLIENT_ID` / `_SECRET`: the SDK refuses this grant to
clients registered by DCR), presents an ID-JAG that the company's IdP signed for one person, with the RFC 7523
jwt-bearer grant. It is checked the way SEP-990 §5.1 asks: `typ` oauth-id-jag+jwt, an asymmetric signature from the
IdP's JWKS, `iss`, `aud` = our issuer, `exp`/`iat`, a `sub`, the `client_id` claim equal to the authenticated client,
the `resource` claim one of our `/mcp` URLs (the token is bound to that, not to what the request says), and a `jti`
used once (remembered in the shared state until long after the assertion expired). The scopes granted are those the
assertion carries (else the read scopes), narrowed by the request, never widened.

The access token names the person `<AUTH_ID_JAG_NAME>:<sub>` and comes without a refresh token (the IdP re-issues
assertions). No upstream login took place, so their upstream account is linked once through the one-time link
page (`linking.py`); tool calls say so until then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from mcp.server.auth.provider import TokenError
from mcp.shared.auth import JWT_BEARER_GRANT_TYPE, OAuthClientInformationFull

from ..state import State
from .keys import RemoteJwks
from .tokens import JwtTokenVerifier

log = logging.getLogger(__name__)

ID_JAG_TYPE = "oauth-id-jag+jwt"
REPLAY_WINDOW_SECONDS = 24 * 3600  # longer than any assertion lives: a jti is refused again for a day


@dataclass(frozen=True)
class AcceptedAssertion:
    subject: str  # <idp name>:<sub>
    client_id: str
    resource: str
    scopes: list[str]


class IdentityAssertions:
    """The company's IdP as a source of ID-JAGs, and the one client allowed to present them."""

    def __init__(
        self,
        *,
        idp_issuer: str,
        jwks_url: str,
        audience: str,
        client_id: str,
        client_secret: str,
        state: State,
        name: str = "idp",
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.name, self.state = name, state
        self.verifier = JwtTokenVerifier(
            RemoteJwks(jwks_url, http=http),
            issuer=idp_issuer,
            resource=audience,  # an ID-JAG's aud is our authorization server's issuer
            algorithms=("RS256", "PS256", "ES256", "EdDSA"),
            required_type=ID_JAG_TYPE,
            clock=clock,
        )
        self.client = OAuthClientInformationFull(
            client_id=client_id,
            client_secret=client_secret,
            client_name="Enterprise identity-assertion client",
            redirect_uris=None,
            grant_types=[JWT_BEARER_GRANT_TYPE],
            token_endpoint_auth_method="client_secret_post",
        )
        self._used = state.idempotency(REPLAY_WINDOW_SECONDS)

    def client_for(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.client if client_id == self.client.client_id else None

    async def accept(
        self,
        assertion: str,
        client: OAuthClientInformationFull,
        *,
        resources: Sequence[str],
        supported: Sequence[str],
        default: Sequence[str],
        requested: Sequence[str] | None,
        requested_resource: str | None,
    ) -> AcceptedAssertion:
        """The person and grant an assertion stands for; `TokenError` (never the assertion) when it is refused."""
        checked = await self.verifier.verify_token(assertion)
        if checked is None or checked.claims is None or checked.subject is None:
            raise TokenError("invalid_grant", "the identity assertion was refused (signature, issuer, audience or age)")
        claims = checked.claims
        if claims.get("client_id") != client.client_id:
            raise TokenError("invalid_grant", "the identity assertion was issued for another client")
        resource = claims.get("resource")
        if not isinstance(resource, str) or resource not in resources:
            raise TokenError("invalid_target", f"the identity assertion is not for this server ({resources[0]})")
        if requested_resource and requested_resource != resource:
            raise TokenError("invalid_target", "the requested resource differs from the identity assertion's")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise TokenError("invalid_grant", "the identity assertion has no jti")
        allowed = [scope for scope in checked.scopes if scope in supported] if checked.scopes else list(supported)
        wanted = list(requested) if requested else [scope for scope in default if scope in allowed]
        scopes = [scope for scope in wanted if scope in allowed]
        if not scopes or len(scopes) < len(wanted):
            raise TokenError("invalid_scope", f"the identity assertion allows only: {' '.join(allowed) or 'nothing'}")
        await self._use_once(jti)
        return AcceptedAssertion(f"{self.name}:{checked.subject}", client.client_id, resource, scopes)

    async def _use_once(self, jti: str) -> None:
        async with self.state.lock(f"id-jag:{jti}"):  # one replica at a time decides, with Redis
            if self._used.get(self.name, jti, "used") is not None:
                log.warning("auth: an identity assertion was presented twice (replay refused)")
                raise TokenError("invalid_grant", "this identity assertion was already used")
            self._used.begin(self.name, jti, "used")
            self._used.complete(self.name, jti, True)
