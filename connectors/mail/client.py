"""The provider-neutral facade: the enabled providers for one person, and which provider an id belongs to.

A credential carries the person's token for each provider: its secret is either one bare token (a deployment
with one provider) or a JSON object `{"gmail": "...", "outlook": "..."}` (`token_set`).
"""

from __future__ import annotations

from functools import cached_property

from shared.circuit import CircuitBreaker
from shared.credentials import Credential, tokens_of
from shared.errors import ConfigError, InvalidInput
from shared.ratelimit import EndpointBuckets

from .providers.base import Provider
from .providers.gmail import Gmail
from .providers.outlook import Outlook
from .settings import MailSettings

UPSTREAM = "Mail"
PROVIDER_WORDS = {
    "gmail": "gmail",
    "google": "gmail",
    "google mail": "gmail",
    "outlook": "outlook",
    "microsoft": "outlook",
    "office 365": "outlook",
    "exchange": "outlook",
    "hotmail": "outlook",
}


class MailClient:
    def __init__(
        self,
        settings: MailSettings,
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
        if "gmail" in s.providers:
            google = lambda: self._token("gmail")  # noqa: E731 - read at each request: tokens get refreshed
            built["gmail"] = Gmail(s.google_root_url, google, self.buckets, self.breakers["gmail"], timeout)
        if "outlook" in s.providers:
            graph = lambda: self._token("outlook")  # noqa: E731
            built["outlook"] = Outlook(
                s.graph_url, graph, self.buckets, self.breakers["outlook"], timeout, s.graph_ca_file
            )
        return built

    async def aclose(self) -> None:
        """Close the providers' pooled connections (Graph's httpx client, Gmail's requests session)."""
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
            raise InvalidInput(f'Unknown or disabled provider "{said[:40]}". Enabled: {", ".join(self.providers)}.')
        return [self.providers[name]]

    def one(self, said: str = "") -> Provider:
        """The single provider a new message goes out through (with two enabled, the caller must say which)."""
        found = self.chosen(said)
        if len(found) > 1:
            raise InvalidInput("Both Gmail and Outlook are enabled: say which to write from with provider.")
        return found[0]

    def owner_of(self, mail_id: str, what: str = "message") -> tuple[Provider, str]:
        """(provider, native id) of an id as this connector hands them out (`gmail:...`, `outlook:...`)."""
        prefix, _, native = mail_id.strip().partition(":")
        if prefix not in ("gmail", "outlook") or not native.strip() or len(native) > 400:
            raise InvalidInput(
                f'"{mail_id[:60]}" is not a {what} id. Ids look like gmail:<id> or outlook:<id>, as search and the '
                "other mail tools return them."
            )
        if prefix not in self.providers:
            raise InvalidInput(f"{prefix} is not enabled in this deployment.")
        return self.providers[prefix], native.strip()
