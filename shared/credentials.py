"""Outbound credentials: how a runtime acts upstream for a caller.

A `CredentialProvider` turns the caller (`shared.caller.Caller`) into the `Credential` to act
with. Providers:

- `ConfiguredAccount`: one API token or PAT from the settings, used for every caller (single-user
  and local use: today's mode);
- `PerSubject`: a credential per verified subject (a service identity per person, and the shape
  the token vault's per-user OAuth provider follows).

A credential's `identity` is the stable key of everything kept per person: clients, caches,
rate buckets, idempotency records and audit lines. Its secret never leaves this object in clear
except to authenticate the upstream request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import SecretStr

from .errors import ConfigError, PermissionDenied

if TYPE_CHECKING:
    from .caller import Caller


@dataclass(frozen=True)
class Credential:
    identity: str  # e.g. "jira:alice@example.com@https://acme.atlassian.net"
    scheme: Literal["basic", "bearer"]
    secret: SecretStr
    username: str | None = None  # basic auth only
    base_url: str | None = None  # where this credential's requests go, when not the configured site

    @cached_property  # read on every `rt.client` / `rt.lookups`: hash the secret once
    def fingerprint(self) -> str:
        """Changes when the secret changes (a refreshed token), so clients built with the old one are not reused."""
        digest = hashlib.sha256(f"{self.identity}\0{self.secret.get_secret_value()}".encode()).hexdigest()
        return digest[:16]

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"Credential(identity={self.identity!r}, scheme={self.scheme!r})"


class CredentialProvider(Protocol):
    async def for_caller(self, caller: Caller) -> Credential: ...

    def default(self) -> Credential:
        """The credential to use outside a tool call (doctor, checks), if the provider has one."""
        ...


class ConfiguredAccount:
    """The one account configured in the settings acts for every caller."""

    def __init__(self, credential: Credential):
        self.credential = credential

    async def for_caller(self, caller: Caller) -> Credential:
        return self.credential

    def default(self) -> Credential:
        return self.credential


class PerSubject:
    """A credential per verified subject; a caller without one is refused (nothing is shared)."""

    def __init__(self, credentials: Mapping[str, Credential], upstream: str = "the upstream"):
        self.credentials, self.upstream = dict(credentials), upstream

    async def for_caller(self, caller: Caller) -> Credential:
        found = self.credentials.get(caller.subject) if caller.subject else None
        if found is None:
            raise PermissionDenied(
                f"No {self.upstream} account is linked to your sign-in. Ask an administrator to link one."
            )
        return found

    def default(self) -> Credential:
        raise ConfigError("Per-user credentials: there is no default account outside a signed-in request.")


# -- several providers behind one credential (storage, mail) ----------------------------------------------------


def token_set(tokens: Mapping[str, SecretStr | None]) -> SecretStr:
    """One credential secret holding each provider's token: `{"gmail": "...", "outlook": "..."}`."""
    return SecretStr(json.dumps({k: v.get_secret_value() for k, v in tokens.items() if v is not None}))


def tokens_of(credential: Credential) -> dict[str, str]:
    """The tokens by provider of a `token_set` secret; a bare token is `{"*": token}` (any one provider)."""
    raw = credential.secret.get_secret_value()
    if raw.lstrip().startswith("{"):
        return dict(json.loads(raw))
    return {"*": raw}


def configured_token_set(name: str, tokens: Mapping[str, SecretStr | None]) -> ConfiguredAccount:
    """The configured account of a connector with several providers, its tokens in one credential.

    The identity keys caches, buckets, idempotency records and change positions: two deployments acting as different
    accounts must not share them through one Redis, so it names the account by a digest of its tokens."""
    secret = token_set(tokens)
    account = hashlib.sha256(secret.get_secret_value().encode()).hexdigest()[:12]
    return ConfiguredAccount(Credential(f"{name}:configured:{account}", "bearer", secret))
