"""How people sign in to the storage server: their Google account for Drive, their Microsoft account for OneDrive.

With both providers enabled the login chains (our consent, Google's, then Microsoft's) and the runtime acts
with one credential holding both access tokens (`shared.credentials.token_set`'s shape, keyed by provider).
Scopes are the least each of our scopes needs: reading never asks for write access at the upstream's consent.
"""

from __future__ import annotations

from shared.connector import SignInSpec

from .settings import StorageSettings

DRIVE = "https://www.googleapis.com/auth/drive"
UPSTREAM_OF = {"google-drive": "google", "onedrive": "microsoft"}


def upstreams(settings: StorageSettings) -> dict[str, str]:
    """Enabled provider -> the identity provider a person signs in with for it, in the order they are enabled."""
    return {provider: UPSTREAM_OF[provider] for provider in settings.providers}


SIGN_IN = SignInSpec(
    system="storage",
    upstreams=upstreams,
    scopes_by_upstream={
        # Google gives a refresh token through access_type=offline (the adapter asks for it), not a scope.
        "google": {"storage.read": [DRIVE + ".readonly"], "storage.write": [DRIVE]},
        # SharePoint document libraries need Sites.*; msal adds offline_access (refresh tokens) itself.
        "microsoft": {
            "storage.read": ["Files.Read.All", "Sites.Read.All"],
            "storage.write": ["Files.ReadWrite.All", "Sites.ReadWrite.All"],
            "offline_access": ["offline_access"],
        },
    },
)
