"""Turning sign-in on for a connector's server: from the AUTH_* settings and the connector's `SignInSpec`.

`connectors serve <name>` calls `sign_in_for(connector)`. With `AUTH_PUBLIC_URL` unset it returns None
(API token / PAT, loopback without inbound auth). Otherwise it builds the sign-in (the built-in
authorization server brokering to the upstream's login, or an external IdP), and returns what the
server needs: the SDK's token verifier and auth settings, the routes to install, the vault-backed
credential provider the runtime acts with, and the scope policy the tool boundary applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from mcp.server.auth.settings import AuthSettings

from ..access import Access
from ..connector import Check, Connector
from ..credentials import CredentialProvider
from ..errors import ConfigError
from ..server import Inbound
from ..settings import sign_in_configured
from .atlassian import atlassian_gateway
from .credentials import VaultCredentials
from .setup import SignIn, build_sign_in, load_sign_in_settings


@dataclass(frozen=True)
class SignedIn:
    inbound: Inbound
    credentials: CredentialProvider | None  # None in external-IdP mode without a vault
    access: Access
    sign_in: SignIn


def sign_in_for(connector: Connector) -> SignedIn | None:
    if not sign_in_configured():
        return None
    spec = connector.sign_in
    if spec is None:
        raise ConfigError(f"AUTH_PUBLIC_URL is set but the {connector.title} connector has no per-user sign-in yet.")
    settings = load_sign_in_settings()
    sign_in = build_sign_in(settings, systems=[spec.system], upstream_scopes=spec.upstream_scopes)
    # Validated from strings, as the settings model wants: it keeps a path-less URL without a trailing slash
    # (issuers are compared as exact strings), which AnyHttpUrl(...) built here would add.
    auth = AuthSettings.model_validate(
        {
            "issuer_url": settings.external_issuer if settings.mode == "external" else settings.public_url,
            "resource_server_url": settings.resource_url,
            "required_scopes": [f"{spec.system}.read"],
            "validate_token_resource": True,
        }
    )
    credentials = None
    if sign_in.vault is not None and sign_in.upstream is not None:
        gateway = (
            atlassian_gateway(spec.gateway, api_base=settings.upstream_api_base.rstrip("/")) if spec.gateway else None
        )
        credentials = VaultCredentials(sign_in.vault, sign_in.upstream, base_url=gateway)
    metadata = f"{settings.public_url.rstrip('/')}/.well-known/oauth-protected-resource{settings.resource_path}"
    inbound = Inbound(sign_in.verifier, auth, install=sign_in.install)
    return SignedIn(inbound, credentials, Access(spec.system, metadata), sign_in)


async def sign_in_checks(connector: Connector) -> list[Check]:
    """For `connectors doctor` with sign-in on: the settings, the database and vault key, the upstream login."""
    try:
        signed_in = sign_in_for(connector)
    except ConfigError as exc:
        return [Check("sign-in settings", False, str(exc))]
    assert signed_in is not None
    sign_in, settings = signed_in.sign_in, signed_in.sign_in.settings
    checks = [Check("sign-in settings", True, f"{settings.mode} authorization for {settings.resource_url}")]
    try:
        await sign_in.start()  # migrations, signing keys: what the server does when it starts
        checks.append(Check("sign-in database", True, "migrated; signing keys and the token vault readable"))
    except Exception as exc:  # noqa: BLE001 - doctor reports whatever failed, in one line
        detail = f"{type(exc).__name__}: check DATABASE_URL (or AUTH_SQLITE_PATH) and VAULT_KEYS"
        checks.append(Check("sign-in database", False, detail))
    finally:
        await sign_in.stop()
    upstream = getattr(sign_in.upstream, "authorize_endpoint", "")
    if upstream:
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.get(upstream)
            ok = answer.status_code < 500
            checks.append(Check("upstream login", ok, f"{upstream} answered HTTP {answer.status_code}"))
        except httpx.HTTPError as exc:
            checks.append(Check("upstream login", False, f"{upstream} unreachable ({type(exc).__name__})"))
    return checks
