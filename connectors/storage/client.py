"""The provider-neutral facade: the enabled providers for one person, and which provider an id belongs to.

A credential carries the person's token for each provider: its secret is either one bare token (a deployment
with one provider) or a JSON object `{"google-drive": "...", "onedrive": "..."}` (`token_set`).
"""

from __future__ import annotations

from functools import cached_property

from shared.circuit import CircuitBreaker
from shared.credentials import Credential, tokens_of
from shared.errors import ConfigError, InvalidInput
from shared.ratelimit import EndpointBuckets

from .providers.base import Provider
from .providers.google_drive import GoogleDrive
from .providers.onedrive import OneDrive
from .settings import StorageSettings

UPSTREAM = "Storage"
PREFIXES = {"gdrive": "google-drive", "onedrive": "onedrive"}
PROVIDER_WORDS = {
    "google-drive": "google-drive",
    "google drive": "google-drive",
    "google": "google-drive",
    "gdrive": "google-drive",
    "drive": "google-drive",
    "onedrive": "onedrive",
    "one drive": "onedrive",
    "sharepoint": "onedrive",
    "microsoft": "onedrive",
    "office 365": "onedrive",
}


class StorageClient:
    def __init__(
        self,
        settings: StorageSettings,
        credential: Credential,
        buckets: EndpointBuckets,
        breakers: dict[str, CircuitBreaker],
    ):
        self.settings, self.credential, self.buckets, self.breakers = settings, credential, buckets, breakers
        self._tokens = tokens_of(credential)

    def _token(self, provider: str) -> str:
        token = self._tokens.get(provider) or self._tokens.get("*")
        if not token:
            raise ConfigError(f"No {provider} token is configured for this account.")
        return token

    @cached_property
    def providers(self) -> dict[str, Provider]:
        s, timeout = self.settings, self.settings.http_timeout_seconds
        built: dict[str, Provider] = {}
        if "google-drive" in s.providers:
            google = lambda: self._token("google-drive")  # noqa: E731 - read at each request: tokens get refreshed
            built["google-drive"] = GoogleDrive(
                s.google_root_url, google, self.buckets, self.breakers["google-drive"], timeout
            )
        if "onedrive" in s.providers:
            built["onedrive"] = OneDrive(
                s.graph_url,
                lambda: self._token("onedrive"),
                self.buckets,
                self.breakers["onedrive"],
                timeout,
                s.graph_ca_file,
            )
        return built

    async def aclose(self) -> None:
        """Close the providers' pooled connections (Graph's httpx client)."""
        for provider in self.providers.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()

    def chosen(self, said: str = "") -> list[Provider]:
        """The providers a tool call is about: the one named, else every enabled one."""
        if not said.strip():
            return list(self.providers.values())
        name = PROVIDER_WORDS.get(said.strip().lower())
        if name is None or name not in self.providers:
            known = ", ".join(self.providers)
            raise InvalidInput(f'Unknown or disabled provider "{said[:40]}". Enabled: {known}.')
        return [self.providers[name]]

    def one(self, said: str = "") -> Provider:
        """The single provider a write goes to (with two enabled, the caller must say which)."""
        found = self.chosen(said)
        if len(found) > 1:
            raise InvalidInput(
                "Several storage providers are enabled: say which with provider (google-drive or onedrive)."
            )
        return found[0]

    def owner_of(self, file_id: str) -> tuple[Provider, str]:
        """(provider, native id) of an id as this connector hands them out (`gdrive:...`, `onedrive:...`)."""
        prefix, _, native = file_id.strip().partition(":")
        name = PREFIXES.get(prefix)
        if name is None or not native:
            raise InvalidInput(
                f'"{file_id[:60]}" is not a storage id. Ids look like gdrive:<id> or onedrive:<drive>!<item>, '
                "as search and the other tools return them."
            )
        if name not in self.providers:
            raise InvalidInput(f"{name} is not enabled in this deployment.")
        return self.providers[name], native
