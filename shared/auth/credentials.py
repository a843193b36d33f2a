"""Per-user OAuth as a `shared.credentials.CredentialProvider`: the person's upstream token from the vault.

A runtime built with `VaultCredentials` acts upstream as the signed-in person: `for_caller` returns a
bearer `Credential` holding their access token (refreshed under the vault's lock when it is about to
expire), and raises `UpstreamLinkMissing` when they have no usable link (the tool layer answers with a
reconnect challenge). After the upstream refuses a token (401), `refreshed(caller, refused)` renews it
unless another request already did. `VaultTokenSet` does the same for several upstreams at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from pydantic import SecretStr

from ..caller import Caller
from ..credentials import Credential
from ..errors import ConfigError
from .broker import UpstreamIdentityProvider
from .errors import UpstreamLinkMissing
from .vault import TokenVault, UpstreamTokens

BaseUrl = Callable[[UpstreamTokens], "str | None"]


class VaultCredentials:
    def __init__(self, vault: TokenVault, upstream: UpstreamIdentityProvider, *, base_url: BaseUrl | None = None):
        self.vault, self.upstream, self.base_url = vault, upstream, base_url

    async def for_caller(self, caller: Caller) -> Credential:
        return self._credential(caller, await self._fresh(caller, None))

    async def refreshed(self, caller: Caller, refused: Credential) -> Credential:
        """A new credential after the upstream answered 401 to `refused`."""
        return self._credential(caller, await self._fresh(caller, refused.secret.get_secret_value()))

    def default(self) -> Credential:
        raise ConfigError("Per-user sign-in: there is no default account outside a signed-in request.")

    async def _fresh(self, caller: Caller, stale: str | None) -> UpstreamTokens:
        if not caller.subject:
            raise UpstreamLinkMissing(self.upstream.name, "nobody is signed in")
        return await self.vault.fresh(
            caller.subject, self.upstream.name, self.upstream.refresh, stale_access_token=stale
        )

    def _credential(self, caller: Caller, tokens: UpstreamTokens) -> Credential:
        account = tokens.account_id or caller.subject
        return Credential(
            identity=f"{self.upstream.name}:{account}@{tokens.site or ''}",
            scheme="bearer",
            secret=SecretStr(tokens.access_token),
            base_url=self.base_url(tokens) if self.base_url else None,
        )


class VaultTokenSet:
    """Per-user OAuth for a connector that reaches several upstreams with one person's accounts.

    Storage with Google Drive and OneDrive needs the person's Google and Microsoft tokens at once: the
    credential's secret is a *token set*, a JSON object of access tokens by the connector's own keys (e.g.
    `{"google-drive": "...", "onedrive": "..."}`), each fresh from the vault (refreshed under its lock). A
    missing or refused link raises `UpstreamLinkMissing` naming that upstream, so the person reconnects.
    """

    def __init__(self, vault: TokenVault, upstreams: Mapping[str, UpstreamIdentityProvider]):
        self.vault, self.upstreams = vault, dict(upstreams)

    async def for_caller(self, caller: Caller) -> Credential:
        return await self._credential(caller, {})

    async def refreshed(self, caller: Caller, refused: Credential) -> Credential:
        """After an upstream 401: the token set does not say which provider refused, so every token that is
        still the refused one is renewed (each under its own lock; one already renewed is left alone)."""
        try:
            stale = json.loads(refused.secret.get_secret_value())
        except ValueError:
            stale = {}
        return await self._credential(caller, stale if isinstance(stale, dict) else {})

    def default(self) -> Credential:
        raise ConfigError("Per-user sign-in: there is no default account outside a signed-in request.")

    async def _credential(self, caller: Caller, stale: dict[str, str]) -> Credential:
        if not caller.subject:
            first = next(iter(self.upstreams.values()))
            raise UpstreamLinkMissing(first.display_name, "nobody is signed in")
        tokens: dict[str, str] = {}
        accounts: dict[str, str] = {}
        for key, upstream in self.upstreams.items():
            try:
                found = await self.vault.fresh(
                    caller.subject, upstream.name, upstream.refresh, stale_access_token=stale.get(key)
                )
            except UpstreamLinkMissing as exc:
                raise UpstreamLinkMissing(upstream.display_name, exc.reason) from None
            tokens[key] = found.access_token
            accounts[upstream.name] = found.account_id or caller.subject
        # The identity keys caches and buckets: it names every account acting, so a changed link never reuses them.
        identity = "+".join(f"{name}:{account}" for name, account in sorted(accounts.items()))
        return Credential(identity=identity, scheme="bearer", secret=SecretStr(json.dumps(tokens)))
