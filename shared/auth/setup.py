"""Settings (environment variables) and the one call that assembles sign-in for a server.

`SignInSettings` reads the variables below (secrets may also come from files in
`CONNECTORS_SECRETS_DIR`, named like the variable in lower case). `build_sign_in(settings, ...)` returns
a `SignIn`: the routes to mount, the `TokenVerifier` to give the SDK, and the vault tools use.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
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
from .id_jag import IdentityAssertions
from .keys import SigningKeys
from .linking import LinkPages
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
    # SEP-990: also accept the company IdP's identity assertions (ID-JAG) from one provisioned client.
    id_jag_issuer: str = Field("", description="issuer of the ID-JAGs to accept (empty: the grant is refused)")
    id_jag_jwks_url: str = ""
    id_jag_name: str = Field("idp", description="namespace of the people they name: <name>:<sub>")
    id_jag_client_id: str = ""
    id_jag_client_secret: SecretStr = SecretStr("")

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
    links: list[LinkPages] = field(default_factory=list)  # one-time link pages (identity assertions, external IdP)
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
        return _external_sign_in(
            settings, verifier, scopes, list(upstreams), upstream, upstream_scopes, scopes_by_upstream, state
        )
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
        assertions=identity_assertions(settings, state or vault.state),
    )
    # People who come with an identity assertion never met the upstream's login: a one-time link page connects it.
    everything = policy.scopes
    links = (
        _link_pages(settings, chain, lambda linked: provider.upstream_scopes_for(linked, everything), vault)
        if provider.assertions
        else []
    )
    return SignIn(
        settings=settings,
        verifier=verifier,
        scopes=scopes,
        routes=authorization_server_routes(provider, keys) + [route for page in links for route in page.routes()],
        db=db,
        vault=vault,
        provider=provider,
        upstream=chain[0],
        upstreams=chain,
        signing_keys=keys,
        links=links,
        _starters=[keys, grants, vault],
    )


def _link_pages(
    settings: SignInSettings,
    chain: Sequence[UpstreamIdentityProvider],
    scopes_for: Callable[[UpstreamIdentityProvider], list[str]],
    vault: TokenVault,
) -> list[LinkPages]:
    """A one-time link page per upstream, asking at its consent for every scope this server may use."""
    return [
        LinkPages(
            issuer=settings.public_url, upstream=upstream, scopes=scopes_for(upstream), vault=vault, state=vault.state
        )
        for upstream in chain
    ]


def _external_sign_in(
    settings: SignInSettings,
    verifier: TokenVerifier,
    scopes: list[str],
    upstreams: list[UpstreamIdentityProvider],
    upstream: UpstreamIdentityProvider | None,
    upstream_scopes: Mapping[str, Sequence[str]] | None,
    scopes_by_upstream: Mapping[str, Mapping[str, Sequence[str]]] | None,
    state: State | None,
) -> SignIn:
    """Trusting the company's IdP. With VAULT_KEYS and an upstream login configured, people link their upstream
    account once through the one-time link page; without, the server acts with its own configured account."""
    configured = upstreams or ([upstream] if upstream else [])
    if not configured and settings.generic_upstream and settings.upstream_client_id:
        configured = [generic_upstream(settings)]
    if not configured or not settings.vault_keys.get_secret_value():
        return SignIn(settings=settings, verifier=verifier, scopes=scopes)
    db = open_database(settings.database_url, settings.sqlite_path)
    vault = TokenVault(db, KeyRing.parse(settings.vault_keys.get_secret_value()), state or from_env())
    ours = scopes + [OFFLINE_ACCESS]

    def scopes_for(linked: UpstreamIdentityProvider) -> list[str]:
        mapping = (scopes_by_upstream or {}).get(linked.name, upstream_scopes or {})
        return list(dict.fromkeys(item for scope in ours for item in mapping.get(scope, ())))

    links = _link_pages(settings, configured, scopes_for, vault)
    return SignIn(
        settings=settings,
        verifier=verifier,
        scopes=scopes,
        routes=[route for page in links for route in page.routes()],
        db=db,
        vault=vault,
        upstream=configured[0],
        upstreams=configured,
        links=links,
        _starters=[vault],
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


def identity_assertions(settings: SignInSettings, state: State) -> IdentityAssertions | None:
    """SEP-990's trusted IdP and its one provisioned client, from AUTH_ID_JAG_*; None when not configured."""
    if not settings.id_jag_issuer:
        return None
    needed = {"AUTH_ID_JAG_JWKS_URL": settings.id_jag_jwks_url, "AUTH_ID_JAG_CLIENT_ID": settings.id_jag_client_id}
    needed["AUTH_ID_JAG_CLIENT_SECRET"] = settings.id_jag_client_secret.get_secret_value()
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise ConfigError(f"Configuration error: AUTH_ID_JAG_ISSUER is set, so set {', '.join(missing)} too")
    return IdentityAssertions(
        idp_issuer=settings.id_jag_issuer,
        jwks_url=settings.id_jag_jwks_url,
        audience=settings.public_url.rstrip("/"),
        client_id=settings.id_jag_client_id,
        client_secret=settings.id_jag_client_secret.get_secret_value(),
        state=state,
        name=settings.id_jag_name,
    )
