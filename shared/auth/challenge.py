"""The reconnect challenge a tool returns when the person's upstream link is missing, expired or revoked.

OpenAI's tool-level trigger is an error result whose `_meta["mcp/www_authenticate"]` holds an RFC 6750
challenge; ChatGPT then offers to sign in again (only for tools that declare `securitySchemes`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import UpstreamLinkMissing


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def www_authenticate(
    *, resource_metadata_url: str, scopes: Sequence[str], error: str = "invalid_token", description: str = ""
) -> str:
    """An RFC 6750 `Bearer` challenge naming our protected-resource metadata and the scopes to ask for."""
    parts = [f"error={_quoted(error)}"]
    if description:
        parts.append(f"error_description={_quoted(description)}")
    parts += [f"resource_metadata={_quoted(resource_metadata_url)}", f"scope={_quoted(' '.join(scopes))}"]
    return "Bearer " + ", ".join(parts)


def reconnect_meta(error: UpstreamLinkMissing, *, resource_metadata_url: str, scopes: Sequence[str]) -> dict[str, str]:
    """The `_meta` of the tool's error result (`CallToolResult(is_error=True, _meta=...)`)."""
    challenge = www_authenticate(resource_metadata_url=resource_metadata_url, scopes=scopes, description=str(error))
    return {"mcp/www_authenticate": challenge}
