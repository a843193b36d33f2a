"""Per-user OAuth as a `shared.credentials.CredentialProvider`: the person's upstream token from the vault.

A runtime built with `VaultCredentials` acts upstream as the signed-in person: `for_caller` returns a
bearer `Credential` holding their access token (refreshed under the vault's lock when it is about to
expire), and raises `UpstreamLinkMissing` when they have no usable link (the tool layer answers with a
reconnect challenge). After the upstream refuses a token (401), `refreshed(caller, refused)` renews it
unless another request already did.
"""

from __future__ import annotations

from collections.abc import Callable

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
