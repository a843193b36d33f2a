"""The contoso.example tenant: its people, its registered applications and their static demo tokens.

Demo access tokens ``demo-<localpart>`` (Bearer) are accepted by Graph as if issued to the demo client for that
user, so tests that are not about sign-in can skip the OAuth flow. Real flows issue signed JWTs (see identity.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TENANT_ID = "7f3c2a10-5e4b-4c8d-9a61-2b0c7d9e4f11"
TENANT_DOMAIN = "contoso.example"
GRAPH_AUDIENCE = "https://graph.microsoft.com"


@dataclass(frozen=True)
class User:
    id: str
    display_name: str
    mail: str
    job_title: str = ""
    external: bool = False  # a guest: can receive shares but owns no drive and cannot sign in here

    @property
    def localpart(self) -> str:
        return self.mail.split("@", 1)[0]

    @property
    def demo_token(self) -> str:
        return f"demo-{self.localpart}"

    def identity(self) -> dict[str, Any]:
        """Graph's ``identity`` shape (used in createdBy, lastModifiedBy, permissions)."""
        return {"user": {"id": self.id, "displayName": self.display_name, "email": self.mail}}


ALICE = User("a1c3e000-0000-4000-8000-00000000a11c", "Alice Martin", "alice@contoso.example", "Legal counsel")
BOB = User("b0b00000-0000-4000-8000-000000000b0b", "Bob Chen", "bob@contoso.example", "Finance analyst")
CAROL = User("ca401000-0000-4000-8000-0000000ca401", "Carol Diaz", "carol@fabrikam.example", external=True)
USERS: tuple[User, ...] = (ALICE, BOB, CAROL)
MEMBERS: tuple[User, ...] = tuple(u for u in USERS if not u.external)

DEMO_USER = ALICE
DEMO_TOKEN = ALICE.demo_token


@dataclass(frozen=True)
class ClientApp:
    client_id: str
    secret: str
    name: str
    redirect_uris: tuple[str, ...] = ()  # empty: any loopback or https redirect URI is accepted

    @property
    def public(self) -> bool:
        """A public client (CLI, desktop) has no secret and may only use user flows."""
        return not self.secret


# The connector's registration (auth code, refresh, OBO) and a daemon app (client credentials).
CONNECTOR_APP = ClientApp("11111111-2222-4333-8444-555555555555", "connector-secret", "Enterprise connectors")
DAEMON_APP = ClientApp("99999999-8888-4777-8666-555555555555", "daemon-secret", "Nightly indexer")
# A front-end app (the "user-facing API" in OBO terms) whose tokens the connector exchanges.
FRONTEND_APP = ClientApp("66666666-7777-4888-8999-000000000000", "frontend-secret", "ChatGPT front end")
# A public client (no secret) for command-line sign-in with the device code flow.
CLI_APP = ClientApp("33333333-4444-4555-8666-777777777777", "", "Connectors command line")
APPS: tuple[ClientApp, ...] = (CONNECTOR_APP, DAEMON_APP, FRONTEND_APP, CLI_APP)
# What each application may have: delegated scopes for the user-facing ones, app roles for the daemon.
APP_SCOPES = {
    CONNECTOR_APP.client_id: ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Mail.ReadWrite", "Mail.Send", "User.Read"],
}
APP_ROLES = ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Mail.ReadWrite", "User.Read.All"]


def by_email(email: str) -> User | None:
    email = email.strip().lower()
    return next((u for u in USERS if u.mail == email), None)


def by_id(user_id: str) -> User | None:
    return next((u for u in USERS if u.id == user_id), None)


def by_demo_token(token: str) -> User | None:
    return next((u for u in MEMBERS if u.demo_token == token), None)


def app_by_id(client_id: str) -> ClientApp | None:
    return next((a for a in APPS if a.client_id == client_id), None)


@dataclass(frozen=True)
class SharedMailbox:
    """An Exchange shared mailbox: no sign-in of its own; the listed people may open it through /users/{address}."""

    id: str
    display_name: str
    mail: str
    member_ids: tuple[str, ...]


LEGAL_MAILBOX = SharedMailbox(
    "1e9a1000-0000-4000-8000-00000001e9a1", "Contoso Legal", "legal@contoso.example", (ALICE.id,)
)
SHARED_MAILBOXES: tuple[SharedMailbox, ...] = (LEGAL_MAILBOX,)
