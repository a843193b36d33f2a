"""Settings: environment variables with a per-connector prefix, secrets readable from files.

Each connector subclasses `ServerSettings` with its own `env_prefix` (JIRA_, CONFLUENCE_...).
A secret `JIRA_API_TOKEN` can also come from a file named `jira_api_token` in the directory
given by `CONNECTORS_SECRETS_DIR` (default /run/secrets, where Kubernetes mounts Secrets).
`load_settings` validates at start and turns any problem into one clear `ConfigError` that
names the variable.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import ConfigError

CommaList = Annotated[list[str], NoDecode]


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="CONNECTOR_")

    host: str = Field("127.0.0.1", description="Address to listen on")
    port: int = Field(0, ge=0, le=65535, description="Port to listen on (0 = the connector's default)")
    allowed_hosts: CommaList = Field(
        default_factory=list, description="Extra Host header values accepted (public host names), comma separated"
    )
    allow_unauthenticated: bool = Field(
        False, description="Allow listening beyond loopback without inbound auth (behind an authenticating proxy)"
    )
    read_only: bool = Field(False, description="Register read tools only")
    toolsets: CommaList = Field(default_factory=list, description="Enabled toolsets, comma separated (empty = all)")
    timezone: str = Field("UTC", description="Time zone for relative dates such as 'this week'")
    # Atlassian Cloud's documented burst limit for API tokens is 100 GET/POST per second per tenant;
    # we stay at it proactively and slow down further when the upstream's headers say so.
    rate_limit_per_second: float = Field(
        100.0,
        gt=0,
        description="Outbound requests per second per user, endpoint and method (writes that overwrite: half)",
    )
    cache_ttl_seconds: float = Field(300.0, ge=0, description="Lifetime of cached lookups (fields, users, sprints)")
    http_timeout_seconds: float = Field(20.0, gt=0, description="Timeout of one upstream request")
    call_deadline_seconds: float = Field(
        25.0, gt=0, description="Time one tool call may take, every upstream retry and wait included"
    )

    @field_validator("allowed_hosts", "toolsets", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    # The settings that hold the upstream credentials, named when the upstream refuses them.
    credential_settings: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def env_name(cls, field: str) -> str:
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    def explain(self, exc: Exception, tried: str = "") -> str:
        """An upstream failure as `doctor` reports it: which settings to check, and the URL tried."""
        from .errors import AuthFailed

        text = str(exc)
        if isinstance(exc, AuthFailed) and self.credential_settings:
            names = [self.env_name(f) for f in self.credential_settings if getattr(self, f, None) is not None]
            text = f"the credentials were refused (mistyped, expired or revoked): check {' and '.join(names)}."
        where = tried or getattr(self, "url", "")
        return f"{text} (tried {where})" if where else text


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 (bracketed or not) or localhost."""
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_upstream_url(url: str, variable: str, example: str) -> None:
    """An upstream URL must be https (credentials travel with every request); http only to loopback (a sandbox)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{variable} must be a full URL such as {example}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"{variable} must start with https:// (http:// would send the credentials in clear); "
            "http:// is accepted only for a loopback address such as a local sandbox"
        )


def sign_in_configured() -> bool:
    """Per-user sign-in is on (AUTH_PUBLIC_URL set): connectors then need no account of their own."""
    return bool(os.environ.get("AUTH_PUBLIC_URL", "").strip())


def secrets_dir() -> str | None:
    path = os.environ.get("CONNECTORS_SECRETS_DIR", "/run/secrets")
    return path if os.path.isdir(path) else None


def load_settings(cls: type[ServerSettings], **overrides: Any) -> ServerSettings:
    try:
        return cls(_secrets_dir=secrets_dir(), **overrides)  # type: ignore[call-arg]  # pydantic-settings init kwarg
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if not error["loc"]:  # a whole-model rule: its message names the variables itself
                problems.append(error["msg"].removeprefix("Value error, "))
                continue
            field = str(error["loc"][0])
            info = cls.model_fields.get(field)
            hint = f" ({info.description})" if info is not None and info.description else ""
            what = "is missing" if error["type"] == "missing" else f"is invalid: {error['msg']}"
            problems.append(f"{cls.env_name(field)} {what}{hint}")
        raise ConfigError("Configuration error: " + "; ".join(problems)) from None
