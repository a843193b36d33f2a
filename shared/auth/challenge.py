"""The reconnect challenge a tool returns when the person's upstream link is missing, expired or revoked.

OpenAI's tool-level trigger is an error result whose `_meta["mcp/www_authenticate"]` holds an RFC 6750
challenge; ChatGPT then offers to sign in again (only for tools that declare `securitySchemes`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..access import www_authenticate
from .errors import UpstreamLinkMissing

__all__ = ["reconnect_meta", "www_authenticate"]


def reconnect_meta(error: UpstreamLinkMissing, *, resource_metadata_url: str, scopes: Sequence[str]) -> dict[str, str]:
    """The `_meta` of the tool's error result (`CallToolResult(is_error=True, _meta=...)`)."""
    challenge = www_authenticate(resource_metadata_url=resource_metadata_url, scopes=scopes, description=str(error))
    return {"mcp/www_authenticate": challenge}
