"""The built-in authorization server, as the SDK's `OAuthAuthorizationServerProvider`.

The SDK's routes (`create_auth_routes`) parse and check requests (client, redirect URI, PKCE S256,
code expiry, refresh-token client and scopes); this provider decides and remembers:

- `/authorize` (after the SDK's checks): the requested `resource` must be one we serve (it becomes the
  token's `aud`), then the request is parked as a *pending login* and the person goes to our consent
  page, then to the upstream's own login (`broker.UpstreamIdentityProvider`).
- The upstream's callback (`complete_login`): the code is exchanged for the person's upstream tokens,
  which go to the vault under their subject (`<upstream>:<account id>`); then our own code is issued
  and the person returns to the client with `code`, `state` and `iss` (RFC 9207).
- Several upstreams (storage with Google Drive and OneDrive): the login chains through them in order,
  each callback sending the person on to the next upstream's login, all under one pending login (and one
  browser binding). The subject comes from the FIRST upstream; the others' tokens are stored under that
  subject and their own upstream key. Our code is issued after the last one.
- `/token`: codes work once (a replay revokes what the first use produced); refresh tokens rotate and
  a reused one revokes its whole family.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    IdentityAssertionParams,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from .broker import UpstreamIdentityProvider, UpstreamLoginFailed
from .clients import ClientRegistry
from .errors import RefreshFailed
from .grants import Grant, GrantStore
from .id_jag import IdentityAssertions
from .tokens import JwtTokenVerifier, TokenIssuer
from .vault import TokenVault

log = logging.getLogger(__name__)
OFFLINE_ACCESS = "offline_access"


def system_scopes(systems: Sequence[str]) -> list[str]:
    """`<system>.read` and `<system>.write` for each system, e.g. jira.read, jira.write."""
    return [f"{system}.{kind}" for system in systems for kind in ("read", "write")]


@dataclass
class ServerPolicy:
    issuer: str  # our issuer URL, e.g. https://jira.example.com
    resources: list[str]  # the exact public /mcp URLs tokens may be issued for (first = default)
    scopes: list[str]  # supported scopes, offline_access included
    default_scopes: list[str]  # granted when a client asks for none
    upstream_scopes: Mapping[str, Sequence[str]] = field(default_factory=dict)  # ours -> the upstream's
    # With several upstreams: upstream name -> (ours -> that upstream's); an upstream not named uses upstream_scopes.
    scopes_by_upstream: Mapping[str, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    consent_path: str = "/oauth/consent"
    callback_path: str = "/oauth/callback"
    require_consent: bool = True
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 24 * 3600
    code_ttl: int = 300
    login_ttl: int = 600

    def url(self, path: str) -> str:
        return self.issuer.rstrip("/") + path


class IssuedCode(AuthorizationCode):
    used: bool = False


class FamilyRefreshToken(RefreshToken):
    family_id: str
    used: bool = False


class BrokeredProvider:
    def __init__(
        self,
        policy: ServerPolicy,
        *,
        clients: ClientRegistry,
        grants: GrantStore,
        tokens: TokenIssuer,
        verifiers: Sequence[JwtTokenVerifier],
        vault: TokenVault,
        upstream: UpstreamIdentityProvider | None = None,
        upstreams: Sequence[UpstreamIdentityProvider] = (),
        assertions: IdentityAssertions | None = None,
    ):
        self.policy, self.clients, self.grants, self.tokens = policy, clients, grants, tokens
        self.upstreams = list(upstreams) or ([upstream] if upstream is not None else [])
        if not self.upstreams:
            raise ValueError("the authorization server needs at least one upstream identity provider")
        self.verifiers, self.vault, self.upstream = list(verifiers), vault, self.upstreams[0]
        self._purged_at = 0.0
        self.assertions = assertions  # SEP-990: the company's IdP's identity assertions, when configured

    @property
    def upstream_names(self) -> str:
        """The upstreams as the person reads them: "Google", "Google and Microsoft"."""
        names = [upstream.display_name for upstream in self.upstreams]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    # -- clients ---------------------------------------------------------------------------------------------
    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        provisioned = self.assertions.client_for(client_id) if self.assertions else None
        if provisioned is not None:
            return provisioned
        client = await self.clients.get(client_id)
        if client is None:
            return None
        # Patterns may have narrowed since a client registered: never redirect to a URI they now refuse.
        allowed = [uri for uri in client.redirect_uris or [] if self.clients.policy.allows(str(uri))]
        return client.model_copy(update={"redirect_uris": allowed})

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self.clients.register(client_info)

    # -- authorization ---------------------------------------------------------------------------------------
    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        resource = params.resource or self.policy.resources[0]
        if resource not in self.policy.resources:
            raise AuthorizeError(
                "invalid_target", f"resource {resource} is not served here; use {' or '.join(self.policy.resources)}"
            )
        scopes = params.scopes or list(self.policy.default_scopes)
        unknown = [scope for scope in scopes if scope not in self.policy.scopes]
        if unknown:
            raise AuthorizeError(
                "invalid_scope", f"unknown scope {unknown[0]}; supported: {' '.join(self.policy.scopes)}"
            )
        pending = {
            "client_id": client.client_id,
            "client_name": client.client_name or urlsplit(client.client_id).hostname or client.client_id,
            "redirect_uri": str(params.redirect_uri),
            "explicit": params.redirect_uri_provided_explicitly,
            "code_challenge": params.code_challenge,
            "state": params.state,
            "scopes": scopes,
            "resource": resource,
        }
        await self._purge_now_and_then()
        login_id = await self.grants.save_pending(pending, self.policy.login_ttl)
        # Always through our consent step (it redirects straight on when consent is off): that is where the
        # login gets bound to this browser (see binding.py).
        return f"{self.policy.url(self.policy.consent_path)}?{urlencode({'request': login_id})}"

    def upstream_scopes_for(self, upstream: UpstreamIdentityProvider, scopes: Sequence[str]) -> list[str]:
        """The upstream's scopes for ours (least privilege at its consent)."""
        mapping = self.policy.scopes_by_upstream.get(upstream.name, self.policy.upstream_scopes)
        wanted: list[str] = []
        for scope in scopes:
            wanted += [item for item in mapping.get(scope, ()) if item not in wanted]
        return wanted

    async def upstream_login_url(self, login_id: str, scopes: Sequence[str], step: int = 0) -> str:
        """The login page of the `step`-th upstream (an adapter may read its IdP's metadata first: off the loop)."""
        upstream = self.upstreams[step]
        wanted = self.upstream_scopes_for(upstream, scopes)
        callback = self.policy.url(self.policy.callback_path)
        return await anyio.to_thread.run_sync(upstream.authorize_url, login_id, callback, wanted)

    def client_redirect(self, pending: dict[str, Any], **params: str | None) -> str:
        """Back to the client, always with our `iss` (RFC 9207) and the client's `state`."""
        return construct_redirect_uri(
            pending["redirect_uri"], **params, state=pending.get("state"), iss=self.policy.issuer
        )

    async def complete_login(
        self, login_id: str, code: str | None, upstream_error: str | None
    ) -> tuple[str, bool] | None:
        """Finish an upstream's callback: (where to send the person, whether the login is over), or None if the
        login is unknown. With several upstreams, every callback but the last sends them to the next login."""
        pending = await self.grants.peek_pending(login_id)
        if pending is None:
            return None
        step = int(pending.get("step", 0))
        upstream = self.upstreams[step]
        if upstream_error or not code:
            return await self._fail(
                login_id, "access_denied", f"The sign-in at {upstream.display_name} was not completed."
            )
        try:
            account, upstream_tokens = await upstream.exchange(code, self.policy.url(self.policy.callback_path))
        except (UpstreamLoginFailed, RefreshFailed) as exc:
            log.warning("auth: the %s sign-in failed: %s", upstream.name, exc)
            return await self._fail(login_id, "server_error", str(exc))
        subject = pending.get("subject") or f"{upstream.name}:{account.account_id}"
        if step + 1 < len(self.upstreams):
            # Only the callback of the step it expects moves the login on (a replayed one finds it moved).
            if not await self.grants.advance_pending(login_id, step, {**pending, "step": step + 1, "subject": subject}):
                return None
            await self.vault.put(subject, upstream.name, upstream_tokens)
            try:
                onward = await self.upstream_login_url(login_id, pending["scopes"], step + 1)
            except UpstreamLoginFailed as exc:
                log.warning("auth: the %s sign-in could not start: %s", self.upstreams[step + 1].name, exc)
                return await self._fail(login_id, "server_error", str(exc))
            return onward, False
        if await self.grants.take_pending(login_id) is None:
            return None
        await self.vault.put(subject, upstream.name, upstream_tokens)
        grant = Grant(
            client_id=pending["client_id"], subject=subject, scopes=pending["scopes"], resource=pending["resource"]
        )
        our_code = await self.grants.save_code(
            grant,
            code_challenge=pending["code_challenge"],
            redirect_uri=pending["redirect_uri"],
            explicit=pending["explicit"],
            ttl_seconds=self.policy.code_ttl,
        )
        log.info("auth: %s signed in through %s", _short(subject), ", ".join(u.name for u in self.upstreams))
        return self.client_redirect(pending, code=our_code), True

    async def _fail(self, login_id: str, error: str, description: str) -> tuple[str, bool] | None:
        """End the login and send the person back to the client with an error (OAuth's words)."""
        pending = await self.grants.take_pending(login_id)
        if pending is None:
            return None
        return self.client_redirect(pending, error=error, error_description=description), True

    async def deny(self, login_id: str) -> str | None:
        pending = await self.grants.take_pending(login_id)
        if pending is None:
            return None
        return self.client_redirect(pending, error="access_denied", error_description="The person declined.")

    # -- codes -------------------------------------------------------------------------------------------------
    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> IssuedCode | None:
        record = await self.grants.load_code(authorization_code)
        if record is None or record.grant.client_id != client.client_id:
            return None
        return IssuedCode(
            code=authorization_code,
            scopes=record.grant.scopes,
            expires_at=record.expires_at,
            client_id=record.grant.client_id,
            code_challenge=record.code_challenge,
            redirect_uri=AnyUrl(record.redirect_uri),
            redirect_uri_provided_explicitly=record.redirect_uri_provided_explicitly,
            resource=record.grant.resource,
            subject=record.grant.subject,
            used=record.used,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: IssuedCode
    ) -> OAuthToken:
        assert authorization_code.subject is not None and authorization_code.resource is not None
        grant = Grant(
            client_id=client.client_id,
            subject=authorization_code.subject,
            scopes=authorization_code.scopes,
            resource=authorization_code.resource,
        )
        family_id = await self.grants.redeem_code(authorization_code.code, grant)
        if family_id is None:
            raise TokenError("invalid_grant", "authorization code was already used; tokens issued with it are revoked")
        return await self._issue(grant, family_id, grant.scopes)

    # -- refresh tokens -----------------------------------------------------------------------------------------
    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> FamilyRefreshToken | None:
        record = await self.grants.load_refresh(refresh_token)
        if record is None or record.revoked or record.grant.client_id != client.client_id:
            return None
        return FamilyRefreshToken(
            token=refresh_token,
            client_id=record.grant.client_id,
            scopes=record.grant.scopes,
            expires_at=int(record.expires_at),
            resource=record.grant.resource,
            subject=record.grant.subject,
            family_id=record.family_id,
            used=record.used,
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: FamilyRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        if not await self.grants.rotate_refresh(refresh_token.token):
            log.warning("auth: a refresh token was used twice; its sign-in was revoked (client %s)", client.client_id)
            raise TokenError("invalid_grant", "refresh token was already used; this sign-in is revoked, sign in again")
        assert refresh_token.subject is not None and refresh_token.resource is not None
        grant = Grant(
            client_id=client.client_id,
            subject=refresh_token.subject,
            scopes=refresh_token.scopes,
            resource=refresh_token.resource,
        )
        return await self._issue(grant, refresh_token.family_id, scopes)

    async def _issue(self, grant: Grant, family_id: str, scopes: list[str]) -> OAuthToken:
        access_scopes = [scope for scope in scopes if scope != OFFLINE_ACCESS]
        access_token, _ = self.tokens.issue(
            subject=grant.subject,
            client_id=grant.client_id,
            scopes=access_scopes,
            resource=grant.resource,
            ttl_seconds=self.policy.access_token_ttl,
            extra_claims={"sid": family_id},
        )
        # The new refresh token keeps the grant's full scopes: narrowing one access token narrows nothing else.
        refresh, _ = await self.grants.save_refresh(family_id, grant, self.policy.refresh_token_ttl)
        return OAuthToken(
            access_token=access_token,
            token_type="Bearer",
            expires_in=self.policy.access_token_ttl,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )

    async def exchange_identity_assertion(
        self, client: OAuthClientInformationFull, params: IdentityAssertionParams
    ) -> OAuthToken:
        """SEP-990: an access token for the person an enterprise IdP's assertion names (see id_jag.py)."""
        if self.assertions is None:
            raise TokenError("unsupported_grant_type", "identity assertions are not accepted: set AUTH_ID_JAG_ISSUER")
        accepted = await self.assertions.accept(
            params.assertion,
            client,
            resources=self.policy.resources,
            supported=[scope for scope in self.policy.scopes if scope != OFFLINE_ACCESS],
            default=self.policy.default_scopes,
            requested=params.scopes,
            requested_resource=params.resource,
        )
        access_token, _ = self.tokens.issue(
            subject=accepted.subject,
            client_id=accepted.client_id,
            scopes=accepted.scopes,
            resource=accepted.resource,
            ttl_seconds=self.policy.access_token_ttl,
        )
        log.info("auth: identity assertion accepted for %s (client %s)", _short(accepted.subject), client.client_id)
        return OAuthToken(
            access_token=access_token,
            token_type="Bearer",
            expires_in=self.policy.access_token_ttl,
            scope=" ".join(accepted.scopes),
        )

    # -- access tokens and revocation ---------------------------------------------------------------------------
    async def load_access_token(self, token: str) -> AccessToken | None:
        for verifier in self.verifiers:
            access = await verifier.verify_token(token)
            if access is not None:
                return access
        return None

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        """Revoking either token ends its whole sign-in (RFC 7009 §2.1 permits it, the SDK asks for it).

        This is how a person disconnects (the client revokes its tokens): when their last sign-in ends, the
        upstream link goes too, since nothing may use it any more.
        """
        family_id = getattr(token, "family_id", None) or (getattr(token, "claims", None) or {}).get("sid")
        if not isinstance(family_id, str):
            return
        outcome = await self.grants.revoke_family(family_id)
        if outcome is not None and not outcome[1]:
            await self.vault.revoke(outcome[0])
            names = ", ".join(upstream.name for upstream in self.upstreams)
            log.info("auth: %s disconnected; their %s link was removed", _short(outcome[0]), names)

    async def revoke_person(self, subject: str) -> None:
        """An administrator's (or the person's own) disconnection: every grant and every upstream link."""
        await self.grants.revoke_subject(subject)
        await self.vault.revoke(subject)

    async def _purge_now_and_then(self) -> None:
        if time.monotonic() - self._purged_at > 600:
            self._purged_at = time.monotonic()
            await self.grants.purge_expired()


def _short(subject: str) -> str:
    """A subject as logs show it: a hash prefix, enough to correlate lines, not an identifier."""
    return "sub#" + hashlib.sha256(subject.encode()).hexdigest()[:12]
