"""Who is calling, decided per request, never when a runtime is built.

The tool boundary (`shared.boundary`) resolves the caller once per tool call: the verified
inbound token's subject when inbound auth is on, or nobody in particular (`ANONYMOUS`) in
single-user mode. The runtime's credential provider turns the caller into the upstream
`Credential` to act with, and the boundary puts it in `acting` for the duration of the call.
Clients, lookups, caches, rate buckets, idempotency records and audit lines all take their
identity from there, so two people served by one process never share any of them.

Worker threads see the same value: `anyio.to_thread.run_sync` runs in a copy of the context.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from .credentials import Credential


@dataclass(frozen=True)
class Caller:
    """The verified inbound identity: the token's subject, its client and scopes ("" when none)."""

    subject: str = ""
    client_id: str = ""
    scopes: tuple[str, ...] = ()


ANONYMOUS = Caller()

# The upstream credential the current tool call acts with (None outside a tool call).
acting: contextvars.ContextVar[Credential | None] = contextvars.ContextVar("acting", default=None)


def inbound_caller() -> Caller:
    """The caller of the HTTP request being served, from the SDK's verified access token."""
    from mcp.server.auth.middleware.auth_context import get_access_token

    token = get_access_token()
    if token is None:
        return ANONYMOUS
    subject = getattr(token, "subject", None) or token.client_id
    return Caller(subject=subject, client_id=token.client_id, scopes=tuple(token.scopes))
