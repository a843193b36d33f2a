"""What a signed-in caller may do, as tools and ChatGPT see it: scopes per tool and the challenges.

With sign-in on, reads need `<system>.read` and writes `<system>.write` (the SDK already refuses a
token without the read scope with 403 `insufficient_scope`). Each tool declares its scheme in
`_meta.securitySchemes`, and a refusal that the person can fix (a write without the write scope, an
upstream link that is missing, expired or revoked) is an error result carrying
`_meta["mcp/www_authenticate"]`, so ChatGPT offers to sign in again, with words saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .tools import Effect, Tool


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


@dataclass(frozen=True)
class Access:
    system: str  # scopes are <system>.read and <system>.write
    resource_metadata_url: str  # our RFC 9728 metadata, named in every challenge

    def scopes_for(self, tool: Tool) -> list[str]:
        return [f"{self.system}.read" if tool.effect is Effect.READ else f"{self.system}.write"]

    def meta(self, tool: Tool) -> dict[str, Any]:
        return {"securitySchemes": [{"type": "oauth2", "scopes": self.scopes_for(tool)}]}

    def allows(self, tool: Tool, granted: Sequence[str]) -> bool:
        return all(scope in granted for scope in self.scopes_for(tool))

    def challenge(self, error: str, description: str, scopes: Sequence[str]) -> dict[str, str]:
        """`_meta` for an error result: an RFC 6750 Bearer challenge ChatGPT turns into a sign-in prompt."""
        challenge = www_authenticate(
            resource_metadata_url=self.resource_metadata_url, scopes=scopes, error=error, description=description[:200]
        )
        return {"mcp/www_authenticate": challenge}
