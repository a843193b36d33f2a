"""Errors of per-user sign-in that other layers act on."""

from __future__ import annotations

from ..errors import AuthFailed


class UpstreamLinkMissing(AuthFailed):
    """The person has no usable link to the upstream (never connected, revoked, or refresh refused).

    The tool layer turns it into an error result carrying `_meta["mcp/www_authenticate"]`, so ChatGPT
    offers to reconnect. `upstream` names the system (e.g. "jira"); the message never carries a token.
    """

    def __init__(self, upstream: str, reason: str = "not connected", *, link: str | None = None):
        self.upstream, self.reason, self.link = upstream, reason, link
        if link is None:
            super().__init__(
                f"Your {upstream} account is not connected ({reason}). Reconnect it from ChatGPT's connector "
                "settings (or sign in again when asked), then retry."
            )
            return
        # Signed in through the company's IdP, never through the upstream: a one-time link connects the account.
        self.log_text = f"Your {upstream} account is not connected ({reason}); a one-time link was offered."
        self.remedy = "Then ask again."
        super().__init__(
            f"Your {upstream} account is not connected to this server yet. Open this link within 15 minutes "
            f"to connect it (it works once, for you only): {link}"
        )


class InvalidGrant(Exception):
    """The upstream refused a refresh token (`invalid_grant`): the link is gone for good."""


class RefreshFailed(Exception):
    """A refresh failed for a reason that may pass (network, 5xx): keep the link, retry later."""
