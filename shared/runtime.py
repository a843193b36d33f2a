"""What every configured connector holds, built from a few hooks the connector supplies.

A connector subclasses `UpstreamRuntime` and supplies only:
- `upstream`: the name people see in errors ("Jira");
- `configured_credentials()`: the account from its settings (API token / PAT), used when no
  other credential provider is given;
- `make_client(credential, buckets)`: its upstream client for one credential;
- `make_lookups(client, identity)`: its name lookups (cached per identity);
- `rate_table`: the upstream's burst limits per endpoint and method;
- `read_requests`: (method, path suffix) pairs that only read although their method is not
  idempotent (POST searches), so the outbound policy retries them like reads;
- `checks()`: what `connectors doctor` verifies.

Everything else is shared: state in process or in Redis (buckets, caches, idempotency records,
locks), a circuit breaker per upstream, and the per-identity wiring. Who is calling is decided per
tool call (`shared.caller.acting`); `client`, `lookups` and `identity()` answer for that caller,
so two people served by one process never share a client, a cache entry or a bucket.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from . import state as shared_state
from .caller import acting
from .circuit import CircuitBreaker
from .credentials import Credential, CredentialProvider
from .ratelimit import EndpointBuckets, RateTable
from .shaping import use_cursor_key

ClientT = TypeVar("ClientT")
LookupsT = TypeVar("LookupsT")

MAX_IDENTITIES = 1024  # clients kept per process; the least recently used go first


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class _PerIdentity(Generic[ClientT, LookupsT]):
    client: ClientT
    lookups: LookupsT


class UpstreamRuntime(Generic[ClientT, LookupsT]):
    upstream: str = "upstream"
    # Requests that only read although their method is not idempotent, e.g. {("POST", "/search/jql")}:
    # retried on 5xx, resets and timeouts like reads, never reported as maybe-applied writes.
    read_requests: ClassVar[Collection[tuple[str, str]]] = ()

    def __init__(
        self, settings: Any, state: shared_state.State | None = None, credentials: CredentialProvider | None = None
    ):
        self.settings = settings
        self.state = state if state is not None else shared_state.from_env()
        self.cache = self.state.cache(settings.cache_ttl_seconds)
        self.idempotency = self.state.idempotency()
        self.buckets = self.state.buckets(settings.rate_limit_per_second)
        self.breaker = CircuitBreaker(self.upstream)
        self.credentials: CredentialProvider = credentials or self.configured_credentials()
        if not os.environ.get("CONNECTORS_CURSOR_KEY"):  # replicas sharing state sign cursors alike
            use_cursor_key(self.state.secret("cursor"))
        self._bound: OrderedDict[str, _PerIdentity[ClientT, LookupsT]] = OrderedDict()

    # -- hooks a connector supplies ----------------------------------------------------------------
    def configured_credentials(self) -> CredentialProvider:
        raise NotImplementedError

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> ClientT:
        raise NotImplementedError

    def make_lookups(self, client: ClientT, identity: str) -> LookupsT:
        raise NotImplementedError

    @property
    def rate_table(self) -> RateTable:
        """The upstream's burst limits per endpoint and method; connectors add their upstream's factors."""
        return RateTable(self.settings.rate_limit_per_second)

    async def checks(self) -> list[Check]:
        raise NotImplementedError

    # -- per caller --------------------------------------------------------------------------------
    def credential(self) -> Credential:
        """The credential of the current tool call, or the provider's default outside one."""
        return acting.get() or self.credentials.default()

    def identity(self) -> str:
        return self.credential().identity

    def _for(self, credential: Credential) -> _PerIdentity[ClientT, LookupsT]:
        key = credential.fingerprint
        found = self._bound.get(key)
        if found is None:
            buckets = EndpointBuckets(
                self.buckets, credential.identity, self.upstream, self.rate_table, reads=self.read_requests
            )
            client = self.make_client(credential, buckets)
            found = self._bound[key] = _PerIdentity(client, self.make_lookups(client, credential.identity))
            while len(self._bound) > MAX_IDENTITIES:
                self._bound.popitem(last=False)
        else:
            self._bound.move_to_end(key)
        return found

    @property
    def client(self) -> ClientT:
        return self._for(self.credential()).client

    @property
    def lookups(self) -> LookupsT:
        return self._for(self.credential()).lookups

    async def aclose(self) -> None:
        """Close the clients' pooled connections (those with an `aclose`), e.g. after the demo's checks."""
        for bound in list(self._bound.values()):
            close = getattr(bound.client, "aclose", None)
            if close is not None:
                await close()
        self._bound.clear()

    def state_checks(self) -> list[Check]:
        """For `doctor`: whether the shared state (Redis) answers, when one is configured."""
        if self.state.backend == "memory":
            return []
        ok = self.state.healthy()
        detail = self.state.describe() + ("" if ok else ": unreachable, falling back to in-process state")
        return [Check("shared state", ok, detail)]
