"""The upstream identity providers a server brokers to, by name, each with settings of its own prefix.

A server may need several (storage with Google Drive and OneDrive needs the person's Google and Microsoft
tokens), so each has its own variables and two coexist:

- `google`: `AUTH_GOOGLE_CLIENT_ID`, `AUTH_GOOGLE_CLIENT_SECRET`, `AUTH_GOOGLE_BASE_URL` (one origin serving
  Google's OAuth paths, e.g. the sandbox; empty: accounts.google.com and oauth2.googleapis.com),
  `AUTH_GOOGLE_HOSTED_DOMAIN` (an account-chooser hint); for AUTH_MODE=external without a per-person login,
  `AUTH_GOOGLE_SERVICE_ACCOUNT_FILE` (a service account's JSON key with domain-wide delegation: `delegated.py`).
- `microsoft`: `AUTH_MICROSOFT_CLIENT_ID`, `AUTH_MICROSOFT_CLIENT_SECRET`, `AUTH_MICROSOFT_TENANT` (tenant id
  or domain; default organizations), `AUTH_MICROSOFT_LOGIN_URL` (default https://login.microsoftonline.com),
  `AUTH_MICROSOFT_CA_FILE` (a CA to trust, e.g. the sandbox's), `AUTH_MICROSOFT_GRAPH_URL` (for /me);
  `AUTH_MICROSOFT_OBO=true` (AUTH_MODE=external: exchange the caller's Entra token on-behalf-of: `delegated.py`).
- any other name: the generic `AUTH_UPSTREAM_*` adapter (Atlassian, or any OAuth 2.0 provider), whose
  `AUTH_UPSTREAM_NAME` (or kind atlassian) must be that name.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..errors import ConfigError
from ..settings import secrets_dir
from .broker import UpstreamIdentityProvider
from .google import google_adapter, google_urls
from .microsoft import GRAPH_URL, LOGIN_URL, MicrosoftAdapter


class GoogleSignInSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_GOOGLE_", extra="ignore")

    client_id: str = Field("", description="OAuth client id (Google Cloud console, a web application client)")
    client_secret: SecretStr = SecretStr("")
    base_url: str = Field("", description="One origin serving Google's OAuth paths (a sandbox); empty: Google's")
    hosted_domain: str = Field("", description="Workspace domain hint for Google's account chooser")
    service_account_file: str = Field(
        "", description="JSON key of a service account with domain-wide delegation (AUTH_MODE=external)"
    )


class MicrosoftSignInSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_MICROSOFT_", extra="ignore")

    client_id: str = Field("", description="Application (client) id of the Entra app registration")
    client_secret: SecretStr = SecretStr("")
    tenant: str = Field("organizations", description="Tenant id or domain (organizations: any work account)")
    login_url: str = Field(LOGIN_URL, description="Entra's login host (a sandbox's URL in tests)")
    ca_file: str = Field("", description="PEM file of a CA to trust for the login host (the sandbox's)")
    graph_url: str = Field(GRAPH_URL, description="Microsoft Graph base URL, for /me when no ID token names the person")
    obo: bool = Field(False, description="AUTH_MODE=external: exchange the caller's Entra token on-behalf-of")


def _load(cls: type[BaseSettings], prefix: str) -> Any:
    try:
        return cls(_secrets_dir=secrets_dir())
    except ValidationError as exc:
        problems = [f"{prefix}{str(e['loc'][0]).upper()} {e['msg']}" for e in exc.errors() if e["loc"]]
        raise ConfigError("Configuration error: " + "; ".join(problems)) from None


def google_settings() -> GoogleSignInSettings:
    """The AUTH_GOOGLE_* settings, validated (a problem is one `ConfigError` naming the variable)."""
    settings: GoogleSignInSettings = _load(GoogleSignInSettings, "AUTH_GOOGLE_")
    return settings


def microsoft_settings() -> MicrosoftSignInSettings:
    settings: MicrosoftSignInSettings = _load(MicrosoftSignInSettings, "AUTH_MICROSOFT_")
    return settings


def _require(prefix: str, settings: BaseSettings, names: tuple[str, ...], why: str) -> None:
    missing = []
    for name in names:
        value = getattr(settings, name)
        if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
            missing.append(f"{prefix}{name.upper()}")
    if missing:
        raise ConfigError(f"Configuration error: {why} needs {', '.join(missing)}")


def google_from_env(scopes: tuple[str, ...] = ()) -> UpstreamIdentityProvider:
    s: GoogleSignInSettings = _load(GoogleSignInSettings, "AUTH_GOOGLE_")
    _require("AUTH_GOOGLE_", s, ("client_id", "client_secret"), "sign-in with Google")
    authorize, token, userinfo = google_urls(s.base_url)
    return google_adapter(
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        scopes=scopes,
        authorize_url=authorize,
        token_url=token,
        userinfo_url=userinfo,
        hosted_domain=s.hosted_domain,
    )


def microsoft_from_env(scopes: tuple[str, ...] = ()) -> UpstreamIdentityProvider:
    s: MicrosoftSignInSettings = _load(MicrosoftSignInSettings, "AUTH_MICROSOFT_")
    _require("AUTH_MICROSOFT_", s, ("client_id", "client_secret"), "sign-in with Microsoft")
    if s.ca_file and not os.path.isfile(s.ca_file):
        raise ConfigError(f"Configuration error: AUTH_MICROSOFT_CA_FILE names no file: {s.ca_file}")
    return MicrosoftAdapter(
        client_id=s.client_id,
        client_secret=s.client_secret.get_secret_value(),
        tenant=s.tenant,
        login_url=s.login_url.rstrip("/"),
        scopes=scopes or ("User.Read",),
        ca_file=s.ca_file or None,
        graph_url=s.graph_url,
    )


NAMED = {"google": google_from_env, "microsoft": microsoft_from_env}
