"""Mail settings: environment variables prefixed MAIL_ (secrets also from files, see shared.settings)."""

from __future__ import annotations

import os
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import CommaList, ServerSettings, check_upstream_url, sign_in_configured

PROVIDERS = ("gmail", "outlook")


class MailSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="MAIL_", extra="ignore")

    providers: CommaList = Field(
        default_factory=lambda: ["gmail"], description="Enabled providers, comma separated: gmail,outlook"
    )
    google_root_url: str = Field(
        "https://gmail.googleapis.com/", description="Google APIs root URL for Gmail (a sandbox's URL in tests)"
    )
    google_token: SecretStr | None = Field(None, description="Google OAuth access token of the account to act as")
    graph_url: str = Field("https://graph.microsoft.com/v1.0", description="Microsoft Graph base URL, with /v1.0")
    graph_token: SecretStr | None = Field(None, description="Microsoft Graph access token of the account to act as")
    graph_ca_file: str | None = Field(None, description="CA file Graph's certificate is checked against (sandbox)")
    allowed_recipient_domains: CommaList = Field(
        default_factory=list, description="E-mail domains mail may be sent to besides your own (empty = none)"
    )
    # Gmail meters 250 quota units a second per user (a send costs 100); Graph allows 4 requests in flight per
    # mailbox: a per-second pace that stays clear of both, slowed further by their answers.
    rate_limit_per_second: float = Field(20.0, gt=0, description="Outbound requests per second per user and endpoint")

    credential_settings: ClassVar[tuple[str, ...]] = ("google_token", "graph_token")

    @field_validator("providers", "allowed_recipient_domains", mode="before")
    @classmethod
    def _lower_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip().lower().lstrip("@") for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> MailSettings:
        unknown = [p for p in self.providers if p not in PROVIDERS]
        if unknown or not self.providers:
            raise ValueError(f"MAIL_PROVIDERS must list gmail and/or outlook (got {','.join(unknown)})")
        check_upstream_url(self.google_root_url, "MAIL_GOOGLE_ROOT_URL", "https://gmail.googleapis.com/")
        check_upstream_url(self.graph_url, "MAIL_GRAPH_URL", "https://graph.microsoft.com/v1.0")
        if self.graph_ca_file and not os.path.isfile(self.graph_ca_file):
            raise ValueError(f"MAIL_GRAPH_CA_FILE names no file: {self.graph_ca_file}")
        if not sign_in_configured():
            if "gmail" in self.providers and self.google_token is None:
                raise ValueError("Gmail is enabled but MAIL_GOOGLE_TOKEN is not set")
            if "outlook" in self.providers and self.graph_token is None:
                raise ValueError("Outlook is enabled but MAIL_GRAPH_TOKEN is not set")
        return self

    def explain(self, exc: Exception, tried: str = "") -> str:
        return super().explain(exc, tried or ", ".join(self.providers))
