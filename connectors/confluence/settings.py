"""Confluence settings: environment variables prefixed CONFLUENCE_ (secrets also from files, see shared.settings)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServerSettings, check_upstream_url, sign_in_configured


class ConfluenceSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="CONFLUENCE_", extra="ignore")

    url: str = Field(..., description="Site URL without /wiki, e.g. https://acme.atlassian.net")
    email: str | None = Field(None, description="Atlassian account e-mail (with CONFLUENCE_API_TOKEN)")
    api_token: SecretStr | None = Field(None, description="Atlassian API token")
    pat: SecretStr | None = Field(None, description="Personal access token (instead of e-mail and API token)")
    page_chars: int = Field(
        20_000, ge=2_000, le=200_000, description="Characters of page markdown returned per call before a cursor"
    )

    credential_settings: ClassVar[tuple[str, ...]] = ("email", "api_token", "pat")

    @model_validator(mode="after")
    def _credentials(self) -> ConfluenceSettings:
        check_upstream_url(self.url, "CONFLUENCE_URL", "https://acme.atlassian.net")
        if self.pat is None and not (self.email and self.api_token) and not sign_in_configured():
            raise ValueError(
                "credentials are missing: set CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN, or CONFLUENCE_PAT"
            )
        return self

    @property
    def site(self) -> str:
        """The site root; tolerates a URL given with /wiki."""
        site = self.url.rstrip("/")
        return site[: -len("/wiki")] if site.endswith("/wiki") else site

    @property
    def wiki(self) -> str:
        return f"{self.site}/wiki"
