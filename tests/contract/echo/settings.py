"""Echo settings: environment variables prefixed ECHO_."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServerSettings, check_upstream_url


class EchoSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="ECHO_", extra="ignore")

    url: str = Field(..., description="Echo service URL, e.g. https://notes.example.com")
    token: SecretStr = Field(..., description="API token of the Echo account")

    credential_settings: ClassVar[tuple[str, ...]] = ("token",)

    @model_validator(mode="after")
    def _url(self) -> EchoSettings:
        check_upstream_url(self.url, "ECHO_URL", "https://notes.example.com")
        return self
