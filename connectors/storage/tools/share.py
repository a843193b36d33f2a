"""Sharing a file with a person: inside the organisation freely, outside only to domains the deployment allows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput, PermissionDenied
from shared.tools import Effect, Reply, tool

from ..runtime import StorageRuntime


class Shared(BaseModel):
    id: str
    name: str
    url: str
    email: str
    role: str


def _domain(email: str) -> str:
    local, at, domain = email.strip().lower().rpartition("@")
    if not at or not local or "." not in domain or " " in email.strip():
        raise InvalidInput(
            f'"{email[:60]}" is not an e-mail address. Give the person\'s address, e.g. bob@example.com.'
        )
    return domain


@tool(
    name="storage_share_file",
    title="Share file",
    description="Share a file or folder by e-mail (read or write); outside your organisation only to allowed domains.",
    effect=Effect.SEND,
    toolset="sharing",
    output=Shared,
    target_arg="id",
)
async def share_file(
    rt: StorageRuntime,
    id: Annotated[str, Field(description="File or folder id")],
    email: Annotated[str, Field(description="The person's e-mail address")],
    role: Literal["read", "write"] = "read",
) -> Reply:
    domain = _domain(email)
    provider, native = rt.client.owner_of(id)
    own = _domain((await rt.lookups.me(provider))[1])
    allowed = {own, *rt.settings.allowed_share_domains}
    if domain not in allowed:  # refused before anything reaches the provider: nothing is shared
        extra = ", ".join(rt.settings.allowed_share_domains) or "none"
        raise PermissionDenied(
            f"Sharing with {email.strip()} is refused: {domain} is outside your organisation ({own}) and not an "
            f"allowed domain (STORAGE_ALLOWED_SHARE_DOMAINS: {extra}). Nothing was shared. Share with someone at "
            f"{own}, or ask an administrator to allow that domain."
        )
    entry = await provider.get(native)
    await provider.share(native, email.strip(), role)
    text = f"Shared [{entry.name}]({entry.url}) with {email.strip()} ({role})."
    return Reply(
        text, Shared(id=entry.id, name=entry.name, url=entry.url, email=email.strip(), role=role), target=entry.id
    )
