"""Jira settings: environment variables prefixed JIRA_ (secrets also from files, see shared.settings)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import CommaList, ServerSettings, check_upstream_url, sign_in_configured


class JiraSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="JIRA_", extra="ignore")

    url: str = Field(..., description="Jira site URL, e.g. https://acme.atlassian.net")
    email: str | None = Field(None, description="Atlassian account e-mail (Jira Cloud, with JIRA_API_TOKEN)")
    api_token: SecretStr | None = Field(None, description="Atlassian API token (Jira Cloud)")
    pat: SecretStr | None = Field(None, description="Personal access token (Jira Data Center)")
    projects: CommaList = Field(
        default_factory=list,
        description="Projects writes are allowed in, comma separated (empty = all); reads unaffected",
    )

    credential_settings: ClassVar[tuple[str, ...]] = ("email", "api_token", "pat")

    @field_validator("projects", mode="before")
    @classmethod
    def _keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip().upper() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _credentials(self) -> JiraSettings:
        check_upstream_url(self.url, "JIRA_URL", "https://acme.atlassian.net")
        if self.pat is None and not (self.email and self.api_token) and not sign_in_configured():
            raise ValueError(
                "credentials are missing: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud) or JIRA_PAT (Data Center)"
            )
        return self

    @property
    def site(self) -> str:
        return self.url.rstrip("/")

    @property
    def cloud(self) -> bool:
        return self.pat is None
