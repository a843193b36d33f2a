"""Google Drive and OneDrive (with SharePoint libraries) behind one surface (`shared.providers.ProviderSet`): ids
are `gdrive:<file id>` and `onedrive:<drive id>!<item id>`, and people may call either by several names.

One credential carries the person's Google and Microsoft tokens (`{"google-drive": "...", "onedrive": "..."}`).
"""

from __future__ import annotations

from collections.abc import Callable

from shared.providers import ProviderSet

from .providers.base import Provider
from .providers.google_drive import GoogleDrive
from .providers.onedrive import OneDrive
from .settings import StorageSettings

UPSTREAM = "Storage"
PROVIDER_WORDS = {
    "google-drive": "google-drive",
    "google drive": "google-drive",
    "google": "google-drive",
    "gdrive": "google-drive",
    "drive": "google-drive",
    "onedrive": "onedrive",
    "one drive": "onedrive",
    "sharepoint": "onedrive",
    "microsoft": "onedrive",
    "office 365": "onedrive",
}


class StorageClient(ProviderSet[Provider]):
    kind = "storage"
    prefixes = {"gdrive": "google-drive", "onedrive": "onedrive"}
    id_shapes = "gdrive:<id> or onedrive:<drive>!<item>"
    words = PROVIDER_WORDS
    settings: StorageSettings

    def build(self, name: str, token: Callable[[], str]) -> Provider:
        s, timeout, breaker = self.settings, self.settings.http_timeout_seconds, self.breakers[name]
        if name == "google-drive":
            return GoogleDrive(s.google_root_url, token, self.buckets, breaker, timeout)
        return OneDrive(s.graph_url, token, self.buckets, breaker, timeout, s.graph_ca_file)
