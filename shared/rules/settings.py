"""The rules engine's settings: where it runs, how it alerts. Every name is the environment variable."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..settings import CommaList


class RulesSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="", populate_by_name=True)

    rules_enabled: bool = Field(False, description="Run due rules inside the server process")
    rules_tick_seconds: float = Field(60.0, gt=0, description="How often the in-process runner looks for due rules")
    rules_lease_seconds: float = Field(300.0, gt=0, description="How long one runner holds the run lease")
    database_url: str = Field("", description="PostgreSQL for several replicas (else the SQLite file)")
    auth_sqlite_path: str = Field("data/connectors.db", description="SQLite file used when DATABASE_URL is empty")
    smtp_host: str = Field("", description="SMTP server for e-mail alerts (empty: no e-mail channel)")
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_from: str = Field("connectors@localhost", description="From address of e-mail alerts")
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS")
    rules_slack_webhook_url: SecretStr | None = None
    rules_teams_webhook_url: SecretStr | None = None
    rules_webhook_hosts: CommaList = Field(default_factory=list, description="Extra webhook hosts allowed")
    rules_delivery_attempts: int = Field(5, ge=1, le=20, description="Attempts per alert before it is given up")
    rules_retry_seconds: float = Field(60.0, gt=0, description="First retry delay of a failed alert (doubles)")
    delivery_timeout_seconds: float = Field(10.0, gt=0)

    @field_validator("rules_webhook_hosts", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip().lower() for item in value.split(",") if item.strip()]
        return value

    @property
    def slack_webhook_url(self) -> SecretStr | None:
        return self.rules_slack_webhook_url

    @property
    def teams_webhook_url(self) -> SecretStr | None:
        return self.rules_teams_webhook_url

    @property
    def webhook_hosts(self) -> list[str]:
        return list(self.rules_webhook_hosts)
