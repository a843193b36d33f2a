"""The sandbox Workspace domain's people and their static demo credentials.

Every user has a static access token ``ya29.sandbox-<localpart>`` that never expires, so tests and the
demo can call the APIs without running the OAuth flow.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "example.com"
OUTSIDER_EMAIL = "carol@partner.org"
STATIC_TOKEN_PREFIX = "ya29.sandbox-"


@dataclass(frozen=True)
class User:
    email: str
    display_name: str
    permission_id: str  # Drive's stable permission id for this account (numeric string, as at Google)
    subject: str  # OpenID `sub`: a numeric Google account id

    @property
    def localpart(self) -> str:
        return self.email.split("@", 1)[0]

    @property
    def static_token(self) -> str:
        return f"{STATIC_TOKEN_PREFIX}{self.localpart}"

    @property
    def given_name(self) -> str:
        return self.display_name.split(" ", 1)[0]

    @property
    def family_name(self) -> str:
        return self.display_name.split(" ", 1)[-1]

    def drive_user(self, *, me: bool) -> dict:
        """Drive's `User` resource."""
        return {
            "kind": "drive#user",
            "displayName": self.display_name,
            "me": me,
            "permissionId": self.permission_id,
            "emailAddress": self.email,
        }


USERS: tuple[User, ...] = (
    User("alice@example.com", "Alice Martin", "04812372920183742201", "104812372920183742201"),
    User("bob@example.com", "Bob Nguyen", "09127364518273645102", "109127364518273645102"),
)
# Someone outside the domain: can receive shares, cannot sign in to the sandbox.
OUTSIDER = User(OUTSIDER_EMAIL, "Carol Outside", "17263548172635481723", "117263548172635481723")

DEMO_USER = USERS[0]


def by_email(email: str) -> User | None:
    email = email.strip().lower()
    for user in (*USERS, OUTSIDER):
        if user.email == email:
            return user
    return None


def domain_user(email: str) -> User | None:
    user = by_email(email)
    return user if user is not None and user.email.endswith("@" + DOMAIN) else None


def by_static_token(token: str) -> User | None:
    if not token.startswith(STATIC_TOKEN_PREFIX):
        return None
    return domain_user(f"{token[len(STATIC_TOKEN_PREFIX) :]}@{DOMAIN}")


# The OAuth client id that tokeninfo reports for static tokens (they were not issued to any real client).
STATIC_TOKEN_CLIENT = "sandbox-static-token.apps.googleusercontent.com"


@dataclass(frozen=True)
class ServiceAccount:
    """A Google Cloud service account of the sandbox project. Its key pair is made when the sandbox starts
    (`tokens.ServiceAccountKeys`); `delegated_scopes` is what the Workspace admin authorised its client id for
    under domain-wide delegation (empty: none, so it cannot act as a user)."""

    client_email: str
    client_id: str  # the numeric "unique id" the Admin console lists under domain-wide delegation
    delegated_scopes: tuple[str, ...] = ()


PROJECT_ID = "sandbox-project"
_SCOPE = "https://www.googleapis.com/auth/"
CONNECTOR_SERVICE_ACCOUNT = ServiceAccount(
    f"connectors@{PROJECT_ID}.iam.gserviceaccount.com",
    "113571113171923293137",
    tuple(
        _SCOPE + name
        for name in ("drive", "drive.readonly", "gmail.readonly", "gmail.modify", "gmail.send", "gmail.compose")
        + ("contacts.readonly", "directory.readonly")  # mail looks recipients up in contacts and the directory
    ),
)
# A service account the admin never authorised: its JWT-bearer grants for a user answer unauthorized_client.
UNDELEGATED_SERVICE_ACCOUNT = ServiceAccount(f"reports@{PROJECT_ID}.iam.gserviceaccount.com", "104729104723104717104")
SERVICE_ACCOUNTS: tuple[ServiceAccount, ...] = (CONNECTOR_SERVICE_ACCOUNT, UNDELEGATED_SERVICE_ACCOUNT)


def service_account(client_email: str) -> ServiceAccount | None:
    return next((sa for sa in SERVICE_ACCOUNTS if sa.client_email == client_email), None)
