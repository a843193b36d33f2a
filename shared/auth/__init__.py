"""Per-user sign-in: the token vault, the access tokens we issue and check, the built-in authorization server.

Wiring a connector's server (one origin per connector, MCP at `<AUTH_PUBLIC_URL>/mcp`):

    from mcp.server.auth.settings import AuthSettings
    from shared.auth import build_sign_in, load_sign_in_settings

    settings = load_sign_in_settings()                      # AUTH_* / DATABASE_URL / VAULT_KEYS, see below
    sign_in = build_sign_in(settings, systems=["jira"],     # scopes jira.read, jira.write (+ offline_access)
                            upstream_scopes={"jira.read": ["read:jira-work", "read:jira-user"],
                                             "jira.write": ["write:jira-work"], "offline_access": ["offline_access"]})
    server = MCPServer(..., token_verifier=sign_in.verifier,
                       auth=AuthSettings(issuer_url=settings.public_url,  # builtin; external: AUTH_EXTERNAL_ISSUER
                                         resource_server_url=settings.resource_url,
                                         required_scopes=["jira.read"], validate_token_resource=True))
    app = server.streamable_http_app(stateless_http=True, json_response=True, ...)
    sign_in.install(app)   # mounts the AS routes; runs migrations and loads signing keys in the lifespan

In a tool: `access = get_access_token()` (`mcp.server.auth.middleware.auth_context`) gives the verified
caller; `access.subject` is the person (`<upstream>:<account id>`), `access.scopes` their scopes (check
`jira.write` for writes). `await sign_in.upstream_tokens(access.subject)` returns their upstream tokens,
refreshed under a lock; it raises `UpstreamLinkMissing` (a `shared.errors.AuthFailed`) when the link is
missing, revoked or refused: answer with `_meta["mcp/www_authenticate"]`. After an upstream 401, call it
again with `stale_access_token=` the refused token. Never pass the bearer token upstream.
`shared.auth.challenge.reconnect_meta(error, resource_metadata_url=..., scopes=[...])` builds that `_meta`.
For a runtime built on `shared.credentials`, `VaultCredentials(sign_in.vault, sign_in.upstream,
base_url=atlassian_gateway("jira"))` is the per-user `CredentialProvider` (`for_caller`, and `refreshed`
after an upstream 401).

Routes `install` adds (builtin mode): `/.well-known/oauth-authorization-server`, `/authorize`, `/token`,
`/register`, `/revoke`, `/oauth/consent`, `/oauth/callback` (register `<AUTH_PUBLIC_URL>/oauth/callback` as
the redirect URI at the upstream IdP), `/oauth/jwks.json`. The SDK itself serves the protected-resource
metadata (`/.well-known/oauth-protected-resource/mcp`) and the 401/403 challenges from `AuthSettings`.

Environment (`shared.auth.setup.SignInSettings`; secrets may be files in CONNECTORS_SECRETS_DIR):
- `AUTH_MODE` builtin (default) | external; `AUTH_PUBLIC_URL` (issuer, e.g. https://jira.example.com);
  `AUTH_RESOURCE_PATH` (/mcp).
- `DATABASE_URL` (postgresql://...; empty: SQLite at `AUTH_SQLITE_PATH`, default data/connectors.db).
- `VAULT_KEYS` `k2:<base64 32 bytes>,k1:<...>`: first encrypts, all decrypt (`TokenVault.reencrypt()` moves old ones).
- `REDIS_URL` (shared.state): refresh locks across replicas.
- `AUTH_UPSTREAM_KIND=atlassian` (Jira, Confluence): `AUTH_UPSTREAM_CLIENT_ID`, `_CLIENT_SECRET`, `_SCOPES`
  (comma separated Atlassian scopes, with read:me and offline_access), `_SITE_URL`, `_AUTH_BASE`, `_API_BASE`
  (default auth.atlassian.com / api.atlassian.com; point them at the sandbox in tests).
- `AUTH_UPSTREAM_KIND=oauth2` (generic): `AUTH_UPSTREAM_NAME`, `_DISPLAY_NAME`, `_AUTHORIZE_URL`, `_TOKEN_URL`,
  `_USERINFO_URL`, `_ACCOUNT_ID_FIELD`, `_CLIENT_ID`, `_CLIENT_SECRET`, `_SCOPES`, `_AUTHORIZE_PARAMS` (JSON).
  Or pass `upstream=` any `UpstreamIdentityProvider`.
- Several upstreams (storage, mail: `SignInSpec(upstreams=...)`): the login chains through each, the subject is
  the first's account, and `VaultTokenSet` gives the runtime a JSON token set. Each named upstream has its own
  prefix (upstreams.py): `AUTH_GOOGLE_CLIENT_ID`, `_CLIENT_SECRET`, `_BASE_URL`, `_HOSTED_DOMAIN` (google.py);
  `AUTH_MICROSOFT_CLIENT_ID`, `_CLIENT_SECRET`, `_TENANT`, `_LOGIN_URL`, `_CA_FILE`, `_GRAPH_URL` (microsoft.py,
  through msal). See docs/sign-in.md.
- `AUTH_REDIRECT_URI_PATTERNS` (default ChatGPT's two callback forms + loopback), `AUTH_REQUIRE_CONSENT`,
  `AUTH_ACCESS_TOKEN_TTL_SECONDS`, `AUTH_REFRESH_TOKEN_TTL_SECONDS`, `AUTH_CIMD_CACHE_SECONDS`,
  `AUTH_ALLOW_INSECURE_LOOPBACK_CIMD` (tests only).
- External IdP: `AUTH_EXTERNAL_ISSUER`, `AUTH_EXTERNAL_JWKS_URL`, `AUTH_EXTERNAL_AUDIENCE` (default: resource URL).

Modules: db (SQLite/PostgreSQL, migrations), crypto (AES-GCM key ring), rotation, vault, keys (signing keys,
JWKS), tokens (issuer, verifiers), grants (codes, refresh families), clients (CIMD, DCR, redirect patterns),
broker (upstream IdP adapters), atlassian (3LO adapter), google, microsoft (msal), upstreams (their settings),
credentials (per-user CredentialProvider, and the token set of several upstreams),
challenge (reconnect _meta), binding (login bound to its browser), provider (the SDK provider), routes, pages,
setup.
"""

from .atlassian import atlassian_adapter, atlassian_gateway
from .broker import OAuth2Adapter, UpstreamAccount, UpstreamIdentityProvider, userinfo_identity
from .credentials import VaultCredentials, VaultTokenSet
from .errors import InvalidGrant, RefreshFailed, UpstreamLinkMissing
from .google import google_adapter
from .microsoft import MicrosoftAdapter
from .setup import SignIn, SignInSettings, build_sign_in, load_sign_in_settings
from .tokens import JwtTokenVerifier, TokenIssuer, external_idp_verifier
from .vault import TokenVault, UpstreamTokens

__all__ = [
    "InvalidGrant",
    "JwtTokenVerifier",
    "MicrosoftAdapter",
    "OAuth2Adapter",
    "RefreshFailed",
    "SignIn",
    "SignInSettings",
    "TokenIssuer",
    "TokenVault",
    "UpstreamAccount",
    "UpstreamIdentityProvider",
    "UpstreamLinkMissing",
    "UpstreamTokens",
    "VaultCredentials",
    "VaultTokenSet",
    "atlassian_adapter",
    "atlassian_gateway",
    "build_sign_in",
    "external_idp_verifier",
    "google_adapter",
    "load_sign_in_settings",
    "userinfo_identity",
]
