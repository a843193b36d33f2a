"""How people sign in to the mail server: their Google account for Gmail, their Microsoft account for Outlook.

With both providers enabled the login chains (our consent, Google's, then Microsoft's) and the runtime acts with
one credential holding both access tokens (`shared.credentials.token_set`'s shape, keyed by provider). Reading never
asks for write or send access at the upstream's consent; it asks to read contacts and the directory, where recipients
said by name are looked up.
"""

from __future__ import annotations

from shared.connector import SignInSpec

from .settings import MailSettings

GMAIL = "https://www.googleapis.com/auth/gmail"
GOOGLE = "https://www.googleapis.com/auth/"
# Recipients said by name are looked up in the person's contacts and their organisation's directory.
GOOGLE_PEOPLE = [GOOGLE + "contacts.readonly", GOOGLE + "directory.readonly"]
GRAPH_PEOPLE = ["Contacts.Read", "People.Read", "User.ReadBasic.All"]
UPSTREAM_OF = {"gmail": "google", "outlook": "microsoft"}


def upstreams(settings: MailSettings) -> dict[str, str]:
    """Enabled provider -> the identity provider a person signs in with for it, in the order they are enabled."""
    return {provider: UPSTREAM_OF[provider] for provider in settings.providers}


SIGN_IN = SignInSpec(
    system="mail",
    upstreams=upstreams,
    scopes_by_upstream={
        # Google gives a refresh token through access_type=offline (the adapter asks for it), not a scope.
        "google": {
            "mail.read": [GMAIL + ".readonly", *GOOGLE_PEOPLE],
            "mail.write": [GMAIL + ".modify", GMAIL + ".send"],
        },
        # msal adds offline_access (refresh tokens) itself.
        "microsoft": {
            "mail.read": ["Mail.Read", *GRAPH_PEOPLE],
            "mail.write": ["Mail.ReadWrite", "Mail.Send"],
            "offline_access": ["offline_access"],
        },
    },
)
