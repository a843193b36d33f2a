"""Gmail and Outlook behind one surface (`shared.providers.ProviderSet`): which of them a tool call is about, and
which one an id belongs to: `gmail:<id>`, `outlook:<id>`, or `outlook:<mailbox>!<id>` in a shared mailbox.

One credential carries the person's Google and Microsoft tokens (`{"gmail": "...", "outlook": "..."}`).
"""

from __future__ import annotations

from collections.abc import Callable

from shared.providers import ProviderSet

from .providers.base import Provider
from .providers.gmail import Gmail
from .providers.outlook import Outlook
from .settings import MailSettings

UPSTREAM = "Mail"
PROVIDER_WORDS = {
    "gmail": "gmail",
    "google": "gmail",
    "google mail": "gmail",
    "outlook": "outlook",
    "microsoft": "outlook",
    "office 365": "outlook",
    "exchange": "outlook",
    "hotmail": "outlook",
}


class MailClient(ProviderSet[Provider]):
    kind = "mail"
    prefixes = {"gmail": "gmail", "outlook": "outlook"}
    id_shapes = "gmail:<id> or outlook:<id>"
    words = PROVIDER_WORDS
    settings: MailSettings

    def build(self, name: str, token: Callable[[], str]) -> Provider:
        s, timeout, breaker = self.settings, self.settings.http_timeout_seconds, self.breakers[name]
        if name == "gmail":
            return Gmail(s.google_root_url, token, self.buckets, breaker, timeout)
        return Outlook(s.graph_url, token, self.buckets, breaker, timeout, s.graph_ca_file)
