"""Storage settings: environment variables prefixed STORAGE_ (secrets also from files, see shared.settings)."""

from __future__ import annotations

import os
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import CommaList, ServerSettings, check_upstream_url, sign_in_configured

PROVIDERS = ("google-drive", "onedrive")


class StorageSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="STORAGE_", extra="ignore")

    providers: CommaList = Field(
        default_factory=lambda: ["google-drive"],
        description="Enabled providers, comma separated: google-drive,onedrive",
    )
    google_root_url: str = Field(
        "https://www.googleapis.com/", description="Google APIs root URL (a sandbox's URL in tests)"
    )
    google_token: SecretStr | None = Field(None, description="Google OAuth access token of the account to act as")
    graph_url: str = Field("https://graph.microsoft.com/v1.0", description="Microsoft Graph base URL, with /v1.0")
    graph_token: SecretStr | None = Field(None, description="Microsoft Graph access token of the account to act as")
    graph_ca_file: str | None = Field(None, description="CA file Graph's certificate is checked against (sandbox)")
    allowed_share_domains: CommaList = Field(
        default_factory=list, description="E-mail domains files may be shared with besides your own (empty = none)"
    )
    # Drive meters per user and project per minute; Graph per app in resource units: a per-second pace that
    # stays clear of both, slowed further by their answers.
    rate_limit_per_second: float = Field(20.0, gt=0, description="Outbound requests per second per user and endpoint")

    credential_settings: ClassVar[tuple[str, ...]] = ("google_token", "graph_token")

    @field_validator("providers", "allowed_share_domains", mode="before")
    @classmethod
    def _lower_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip().lower() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> StorageSettings:
        unknown = [p for p in self.providers if p not in PROVIDERS]
        if unknown or not self.providers:
            raise ValueError(f"STORAGE_PROVIDERS must list google-drive and/or onedrive (got {','.join(unknown)})")
        check_upstream_url(self.google_root_url, "STORAGE_GOOGLE_ROOT_URL", "https://www.googleapis.com/")
        check_upstream_url(self.graph_url, "STORAGE_GRAPH_URL", "https://graph.microsoft.com/v1.0")
        if self.graph_ca_file and not os.path.isfile(self.graph_ca_file):
            raise ValueError(f"STORAGE_GRAPH_CA_FILE names no file: {self.graph_ca_file}")
        if not sign_in_configured():
            if "google-drive" in self.providers and self.google_token is None:
                raise ValueError("Google Drive is enabled but STORAGE_GOOGLE_TOKEN is not set")
            if "onedrive" in self.providers and self.graph_token is None:
                raise ValueError("OneDrive is enabled but STORAGE_GRAPH_TOKEN is not set")
        return self

    def explain(self, exc: Exception, tried: str = "") -> str:
        return super().explain(exc, tried or ", ".join(self.providers))
