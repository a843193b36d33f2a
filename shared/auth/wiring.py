"""Turning sign-in on for a connector's server: from the AUTH_* settings and the connector's `SignInSpec`.

`connectors serve <name>` calls `sign_in_for(connector)`. With `AUTH_PUBLIC_URL` unset it returns None
(API token / PAT, loopback without inbound auth). Otherwise it builds the sign-in (the built-in
authorization server brokering to the upstream's login, or an external IdP), and returns what the
server needs: the SDK's token verifier and auth settings, the routes to install, the vault-backed
credential provider the runtime acts with, and the scope policy the tool boundary applies.
A spec with `upstreams` (storage, mail) chains the login through each named upstream (google, microsoft)
and the runtime acts with a token set (`VaultTokenSet`); with AUTH_MODE=external and delegation configured
(`delegated.py`) there is no upstream login and the token set comes from delegation (`DelegatedTokenSet`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.auth.settings import AuthSettings

from ..access import Access
from ..connector import Check, Connector
from ..credentials import CredentialProvider
from ..errors import ConfigError
from ..server import Inbound
from ..settings import load_settings, sign_in_configured
from .atlassian import atlassian_gateway
from .broker import UpstreamIdentityProvider
from .credentials import VaultCredentials, VaultTokenSet
from .delegated import delegated_for
from .linking import LinkingCredentials
from .setup import SignIn, build_sign_in, load_sign_in_settings
from .upstreams import NAMED


@dataclass(frozen=True)
class SignedIn:
    inbound: Inbound
    credentials: CredentialProvider | None  # None in external-IdP mode without a vault
    access: Access
    sign_in: SignIn


def sign_in_for(connector: Connector, connector_settings: Any = None) -> SignedIn | None:
    """`connector_settings`: the connector's own settings, for a spec whose upstreams depend on them (read from
    the environment when not given)."""
    if not sign_in_configured():
        return None
    spec = connector.sign_in
    if spec is None:
        raise ConfigError(f"AUTH_PUBLIC_URL is set but the {connector.title} connector has no per-user sign-in yet.")
    settings = load_sign_in_settings(generic_upstream=spec.upstreams is None)
    # Enterprise mode with delegation (Google's domain-wide, Microsoft's on-behalf-of): no upstream login here.
    delegated = delegated_for(connector, connector_settings) if settings.mode == "external" else None
    keyed = None if delegated is not None else _named_upstreams(connector, connector_settings)
    chain = list({upstream.name: upstream for upstream in (keyed or {}).values()}.values())
    sign_in = build_sign_in(
        settings,
        systems=[spec.system],
        upstream_scopes=spec.upstream_scopes,
        upstreams=chain,
        scopes_by_upstream=spec.scopes_by_upstream,
    )
    # Validated from strings, as the settings model wants: it keeps a path-less URL without a trailing slash
    # (issuers are compared as exact strings), which AnyHttpUrl(...) built here would add.
    auth = AuthSettings.model_validate(
        {
            "issuer_url": settings.external_issuer if settings.mode == "external" else settings.public_url,
            "resource_server_url": settings.resource_url,
            "required_scopes": [f"{spec.system}.read"],
            # An external IdP's audience may not be our URL (Entra's is the app's id): its verifier checks `aud`.
            "validate_token_resource": not (settings.mode == "external" and settings.external_audience),
        }
    )
    credentials: CredentialProvider | None = delegated
    if sign_in.vault is not None and keyed is not None:
        credentials = VaultTokenSet(sign_in.vault, keyed)
    elif sign_in.vault is not None and sign_in.upstream is not None:
        gateway = (
            atlassian_gateway(spec.gateway, api_base=settings.upstream_api_base.rstrip("/")) if spec.gateway else None
        )
        credentials = VaultCredentials(sign_in.vault, sign_in.upstream, base_url=gateway)
    if credentials is not None and sign_in.links:  # people signed in through the company's IdP link once
        credentials = LinkingCredentials(credentials, sign_in.links)
    metadata = f"{settings.public_url.rstrip('/')}/.well-known/oauth-protected-resource{settings.resource_path}"
    inbound = Inbound(sign_in.verifier, auth, install=sign_in.install)
    return SignedIn(inbound, credentials, Access(spec.system, metadata), sign_in)


def _named_upstreams(connector: Connector, connector_settings: Any) -> dict[str, UpstreamIdentityProvider] | None:
    """The spec's upstreams (credential key -> adapter, in login order), or None for the one AUTH_UPSTREAM_* login."""
    spec = connector.sign_in
    if spec is None or spec.upstreams is None:
        return None
    if connector_settings is None:
        connector_settings = load_settings(connector.settings)
    wanted = dict(spec.upstreams(connector_settings))
    unknown = sorted({name for name in wanted.values() if name not in NAMED})
    if unknown or not wanted:
        raise ConfigError(
            f"Configuration error: the {connector.title} connector asks for sign-in with {', '.join(unknown) or 'no'} "
            f"upstream; known: {', '.join(NAMED)}"
        )
    built: dict[str, UpstreamIdentityProvider] = {}
    for name in dict.fromkeys(wanted.values()):
        scopes = {scope for mapping in (spec.scopes_by_upstream or {}).get(name, {}).values() for scope in mapping}
        built[name] = NAMED[name](tuple(sorted(scopes)))
    return {key: built[name] for key, name in wanted.items()}


async def sign_in_checks(connector: Connector) -> list[Check]:
    """For `connectors doctor` with sign-in on: every mode's settings, one line each (see `doctor.py`)."""
    from .doctor import sign_in_checks as checks  # doctor builds on sign_in_for: imported here, not at the top

    return await checks(connector)
