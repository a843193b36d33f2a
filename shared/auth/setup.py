"""Settings (environment variables) and the one call that assembles sign-in for a server.

`SignInSettings` reads the variables below (secrets may also come from files in
`CONNECTORS_SECRETS_DIR`, named like the variable in lower case). `build_sign_in(settings, ...)` returns
a `SignIn`: the routes to mount, the `TokenVerifier` to give the SDK, and the vault tools use.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from mcp.server.auth.provider import TokenVerifier
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from starlette.applications import Starlette
from starlette.routing import Route

from ..errors import ConfigError
from ..settings import secrets_dir
from ..state import State, from_env
from .atlassian import atlassian_adapter
from .broker import OAuth2Adapter, UpstreamIdentityProvider, userinfo_identity
from .clients import DEFAULT_REDIRECT_PATTERNS, ClientRegistry, RedirectPolicy
from .crypto import KeyRing
from .db import Database, open_database
from .grants import GrantStore
from .keys import SigningKeys
from .provider import OFFLINE_ACCESS, BrokeredProvider, ServerPolicy, system_scopes
from .routes import authorization_server_routes
from .tokens import JwtTokenVerifier, TokenIssuer, external_idp_verifier
from .vault import TokenVault, UpstreamTokens

CommaList = Annotated[list[str], NoDecode]


class SignInSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore", populate_by_name=True)

    mode: Literal["builtin", "external"] = Field(
        "builtin", description="builtin authorization server, or trust an external IdP"
    )
    public_url: str = Field(
        description="Public origin of this server, e.g. https://jira.example.com (issuer of our tokens)"
    )
    resource_path: str = Field("/mcp", description="Path of the MCP endpoint; resource = public_url + resource_path")
    database_url: str = Field(
        "",
        validation_alias=AliasChoices("DATABASE_URL", "AUTH_DATABASE_URL"),
        description="PostgreSQL URL (else SQLite)",
    )
    sqlite_path: str = Field("data/connectors.db", description="SQLite file used when DATABASE_URL is empty")
    vault_keys: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("VAULT_KEYS", "AUTH_VAULT_KEYS"),
        description="k2:<base64>,k1:<base64>",
    )
    redirect_uri_patterns: CommaList = Field(default_factory=lambda: list(DEFAULT_REDIRECT_PATTERNS))
    allow_insecure_loopback_cimd: bool = Field(False, description="TEST ONLY: accept http://127.0.0.1 CIMD client ids")
    cimd_cache_seconds: float = Field(3600.0, gt=0)
    require_consent: bool = True
    access_token_ttl_seconds: int = Field(3600, gt=0)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, gt=0)
    # The upstream identity provider the built-in server brokers to (generic OAuth 2.0).
    upstream_kind: Literal["oauth2", "atlassian"] = Field(
        "oauth2", description="oauth2: generic (every AUTH_UPSTREAM_* URL); atlassian: 3LO with Atlassian's URLs"
    )
    upstream_site_url: str = Field(
        "", description="atlassian: the site whose cloud id to use, e.g. https://acme.atlassian.net"
    )
    upstream_auth_base: str = Field("https://auth.atlassian.com", description="atlassian: the authorization server")
    upstream_api_base: str = Field("https://api.atlassian.com", description="atlassian: /me and accessible-resources")
    upstream_name: str = Field("", description="e.g. atlassian: the vault key and the namespace of our subjects")
    upstream_display_name: str = ""
    upstream_authorize_url: str = ""
    upstream_token_url: str = ""
    upstream_userinfo_url: str = ""
    upstream_account_id_field: str = "sub"
    upstream_client_id: str = ""
    upstream_client_secret: SecretStr = SecretStr("")
    upstream_scopes: CommaList = Field(default_factory=list)
    upstream_authorize_params: str = Field("", description='JSON object, e.g. {"audience": "api.atlassian.com"}')
    # False when the server brokers only to named upstreams (google, microsoft: AUTH_GOOGLE_*, AUTH_MICROSOFT_*),
    # so AUTH_UPSTREAM_* are not required. Set by the wiring from the connector's SignInSpec.
    generic_upstream: bool = Field(True, exclude=True)
    # Enterprise IdP mode.
    external_issuer: str = ""
    external_jwks_url: str = ""
    external_audience: str = Field("", description="expected aud; default: the resource URL")

    @field_validator("redirect_uri_patterns", "upstream_scopes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _complete(self) -> SignInSettings:
        if self.mode == "external":
            missing = [name for name in ("external_issuer", "external_jwks_url") if not getattr(self, name)]
        else:
            needed = ["upstream_client_id"] if self.generic_upstream else []
            if self.upstream_kind == "oauth2" and self.generic_upstream:
                needed += ["upstream_name", "upstream_authorize_url", "upstream_token_url", "upstream_userinfo_url"]
            missing = [name for name in needed if not getattr(self, name)]
            missing += [] if self.vault_keys.get_secret_value() else ["vault_keys"]
        if missing:
            names = ", ".join("VAULT_KEYS" if name == "vault_keys" else f"AUTH_{name.upper()}" for name in missing)
            raise ValueError(f"AUTH_MODE={self.mode} needs {names}")
        return self

    @property
    def resource_url(self) -> str:
        return self.public_url.rstrip("/") + self.resource_path


def load_sign_in_settings(**overrides: Any) -> SignInSettings:
    """Read and validate the settings; any problem is one `ConfigError` naming the variables."""
    try:
        return SignInSettings(_secrets_dir=secrets_dir(), **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = f"AUTH_{str(error['loc'][0]).upper()} " if error["loc"] else ""
            problems.append(where + error["msg"].removeprefix("Value error, "))
        raise ConfigError("Configuration error: " + "; ".join(problems)) from None


@dataclass
class SignIn:
    """Everything a server wires: `routes` to mount, `verifier` for the SDK, `vault` + `upstream` for tools
    (`upstreams`: all of them, in login order, when the server brokers to several; `upstream` is the first)."""

    settings: SignInSettings
    verifier: TokenVerifier
    scopes: list[str]
    routes: list[Route] = field(default_factory=list)
    db: Database | None = None
    vault: TokenVault | None = None
    provider: BrokeredProvider | None = None
    upstream: UpstreamIdentityProvider | None = None
    signing_keys: SigningKeys | None = None
    upstreams: list[UpstreamIdentityProvider] = field(default_factory=list)
    _starters: list[Any] = field(default_factory=list)

    async def start(self) -> None:
        """Create or upgrade tables and load signing keys (call from the server's lifespan)."""
        for starter in self._starters:
            await starter.start()

    async def upstream_tokens(self, subject: str, *, stale_access_token: str | None = None) -> UpstreamTokens:
        """The person's usable upstream tokens (refreshed if needed); raises `UpstreamLinkMissing`."""
        if self.vault is None or self.upstream is None:
            raise ConfigError("Configuration error: per-user upstream tokens need AUTH_MODE=builtin")
        return await self.vault.fresh(
            subject, self.upstream.name, self.upstream.refresh, stale_access_token=stale_access_token
        )

    async def reencrypt(self) -> int:
        """After putting a new key first in VAULT_KEYS: move every stored secret to it (then old keys may go)."""
        if self.vault is None or self.provider is None:
            return 0
        moved = await self.vault.reencrypt()
        moved += await self.provider.clients.reencrypt()
        return moved + (await self.signing_keys.reencrypt() if self.signing_keys else 0)

    def install(self, app: Starlette) -> None:
        """Serve the sign-in routes from `app` and run `start()` / `stop()` around its lifespan."""
        app.router.routes[0:0] = self.routes
        inner = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def lifespan(served: Any) -> AsyncIterator[Any]:
            await self.start()
            try:
                async with inner(served) as state:
                    yield state
            finally:
                await self.stop()

        app.router.lifespan_context = lifespan

    async def stop(self) -> None:
        """Close outbound HTTP clients and pooled database connections (from the server's lifespan)."""
        if self.provider is not None:
            await self.provider.clients.aclose()
        self.close()

    def close(self) -> None:
        """Release pooled database connections."""
        if self.db is not None:
            self.db.close()


def build_sign_in(
    settings: SignInSettings,
    *,
    systems: Sequence[str],
    upstream: UpstreamIdentityProvider | None = None,
    upstream_scopes: Mapping[str, Sequence[str]] | None = None,
    state: State | None = None,
    upstreams: Sequence[UpstreamIdentityProvider] = (),
    scopes_by_upstream: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> SignIn:
    """Assemble sign-in for a server whose tools cover `systems` (e.g. ["jira"]).

    `upstream` defaults to a generic OAuth 2.0 adapter built from the AUTH_UPSTREAM_* settings;
    `upstream_scopes` maps our scopes to the upstream's (least privilege at the upstream's consent).
    `upstreams` (instead of `upstream`): several identity providers the login chains through, in order;
    `scopes_by_upstream` gives each its own mapping (upstream name -> our scope -> its scopes).
    """
    scopes = system_scopes(systems)
    if settings.mode == "external":
        verifier = external_idp_verifier(
            issuer=settings.external_issuer,
            jwks_url=settings.external_jwks_url,
            audience=settings.external_audience or settings.resource_url,
        )
        return SignIn(settings=settings, verifier=verifier, scopes=scopes)
    db = open_database(settings.database_url, settings.sqlite_path)
    ring = KeyRing.parse(settings.vault_keys.get_secret_value())
    chain = list(upstreams) or [upstream or generic_upstream(settings)]
    keys, grants = SigningKeys(db, ring), GrantStore(db)
    vault = TokenVault(db, ring, state or from_env())
    policy = ServerPolicy(
        issuer=settings.public_url.rstrip("/"),
        resources=[settings.resource_url],
        scopes=scopes + [OFFLINE_ACCESS],
        default_scopes=[scope for scope in scopes if scope.endswith(".read")] + [OFFLINE_ACCESS],
        upstream_scopes=dict(upstream_scopes or {}),
        scopes_by_upstream=dict(scopes_by_upstream or {}),
        require_consent=settings.require_consent,
        access_token_ttl=settings.access_token_ttl_seconds,
        refresh_token_ttl=settings.refresh_token_ttl_seconds,
    )
    verifier = JwtTokenVerifier(keys, issuer=policy.issuer, resource=settings.resource_url)
    clients = ClientRegistry(
        db,
        ring,
        RedirectPolicy(settings.redirect_uri_patterns),
        scopes=policy.scopes,
        cimd_cache_seconds=settings.cimd_cache_seconds,
        allow_insecure_loopback_cimd=settings.allow_insecure_loopback_cimd,
    )
    provider = BrokeredProvider(
        policy,
        clients=clients,
        grants=grants,
        tokens=TokenIssuer(keys, policy.issuer),
        verifiers=[verifier],
        vault=vault,
        upstreams=chain,
    )
    return SignIn(
        settings=settings,
        verifier=verifier,
        scopes=scopes,
        routes=authorization_server_routes(provider, keys),
        db=db,
        vault=vault,
        provider=provider,
        upstream=chain[0],
        upstreams=chain,
        signing_keys=keys,
        _starters=[keys, grants, vault],
    )


def generic_upstream(settings: SignInSettings) -> OAuth2Adapter:
    """The upstream adapter the AUTH_UPSTREAM_* settings describe."""
    if not settings.generic_upstream:
        raise ConfigError("Configuration error: this server signs in through named upstreams, not AUTH_UPSTREAM_*")
    if settings.upstream_kind == "atlassian":
        return atlassian_adapter(
            client_id=settings.upstream_client_id,
            client_secret=settings.upstream_client_secret.get_secret_value(),
            scopes=settings.upstream_scopes or ("read:me", "offline_access"),
            site_url=settings.upstream_site_url or None,
            auth_base=settings.upstream_auth_base.rstrip("/"),
            api_base=settings.upstream_api_base.rstrip("/"),
        )
    try:
        extra = json.loads(settings.upstream_authorize_params) if settings.upstream_authorize_params else {}
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        raise ConfigError(
            'Configuration error: AUTH_UPSTREAM_AUTHORIZE_PARAMS must be a JSON object, e.g. {"prompt": "consent"}'
        )
    return OAuth2Adapter(
        name=settings.upstream_name,
        display_name=settings.upstream_display_name or settings.upstream_name.capitalize(),
        authorize_endpoint=settings.upstream_authorize_url,
        token_endpoint=settings.upstream_token_url,
        client_id=settings.upstream_client_id,
        client_secret=settings.upstream_client_secret.get_secret_value(),
        identify=userinfo_identity(settings.upstream_userinfo_url, id_field=settings.upstream_account_id_field),
        scopes=settings.upstream_scopes,
        extra_authorize_params={str(k): str(v) for k, v in extra.items()},
    )
