"""The Atlassian site's directory of people, shared by the Jira and Confluence emulators.

Credentials: every user has a classic API token ``token-<localpart>`` (Basic auth with the e-mail
address), a Data Center style personal access token ``pat-<localpart>`` (Bearer), and an OAuth 2.0
(3LO) access token ``oauth-<localpart>`` (Bearer) that, as on Cloud, is accepted only through the
``api.atlassian.com`` gateway paths (``/ex/jira/{cloudId}``, ``/ex/confluence/{cloudId}``).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass

SITE_DOMAIN = "example.com"


@dataclass(frozen=True)
class User:
    account_id: str
    display_name: str
    email: str
    time_zone: str = "Europe/Paris"
    active: bool = True
    locale: str = "en_US"
    account_type: str = "atlassian"

    @property
    def localpart(self) -> str:
        return self.email.split("@", 1)[0]

    @property
    def api_token(self) -> str:
        return f"token-{self.localpart}"

    @property
    def pat(self) -> str:
        return f"pat-{self.localpart}"

    @property
    def password(self) -> str:
        """The password the identity provider's sign-in page (``/authorize``) accepts."""
        return f"password-{self.localpart}"

    @property
    def oauth_token(self) -> str:
        """A 3LO access token already granted to the sandbox's OAuth app (no consent flow needed)."""
        return f"oauth-{self.localpart}"

    def avatar_urls(self) -> dict:
        h = hashlib.md5(self.email.encode()).hexdigest()
        base = f"https://secure.gravatar.com/avatar/{h}?d=identicon"
        return {f"{n}x{n}": f"{base}&s={n}" for n in (48, 24, 16, 32)}

    def to_json(self, base_url: str, *, with_email: bool = True) -> dict:
        out = {
            "self": f"{base_url}/rest/api/3/user?accountId={self.account_id}",
            "accountId": self.account_id,
            "accountType": self.account_type,
            "avatarUrls": self.avatar_urls(),
            "displayName": self.display_name,
            "active": self.active,
            "timeZone": self.time_zone,
            "locale": self.locale,
        }
        if with_email:
            out["emailAddress"] = self.email
        return out

    def to_ref(self, base_url: str) -> dict:
        """The compact user object embedded in issue fields."""
        d = self.to_json(base_url)
        d.pop("locale", None)
        return d


def _account_id(email: str, legacy: bool) -> str:
    h = hashlib.sha256(email.encode()).hexdigest()
    if legacy:
        return "557058:" + str(uuid.UUID(h[:32]))
    return h[:24]


_PEOPLE = [
    # (localpart, display name, time zone, legacy-style id, active)
    ("alice", "Alice Martin", "Europe/Paris", False, True),
    ("bob", "Bob Nguyen", "America/New_York", False, True),
    ("carol", "Carol Schmidt", "Europe/Berlin", True, True),
    ("dave", "Dave Okafor", "Africa/Lagos", False, True),
    ("erin", "Erin Kowalski", "Europe/Warsaw", False, True),
    ("frank", "Frank Rossi", "Europe/Rome", True, True),
    ("grace", "Grace Hopper", "America/Chicago", False, True),
    ("heidi", "Heidi Larsen", "Europe/Oslo", False, True),
    ("ivan", "Ivan Petrov", "Europe/Sofia", False, True),
    ("judy", "Judy Chen", "Asia/Singapore", True, True),
    ("paul.martin", "Paul Martin", "Europe/Paris", False, True),
    ("pauline.durand", "Pauline Durand", "Europe/Paris", False, True),
    ("mallory", "Mallory Quinn", "Europe/London", False, True),
    ("niaj", "Niaj Haddad", "Asia/Dubai", False, True),
    ("olivia", "Olivia Brown", "Australia/Sydney", False, True),
    ("peggy", "Peggy Olsen", "America/Los_Angeles", True, True),
    ("rupert", "Rupert Grant", "Europe/London", False, True),
    ("sybil", "Sybil Fawlty", "Europe/Dublin", False, True),
    ("trent", "Trent Walker", "America/Denver", False, True),
    ("victor", "Victor Alvarez", "Europe/Madrid", False, True),
    ("walter", "Walter White", "America/Phoenix", False, True),
    ("yasmin", "Yasmin Aziz", "Asia/Kolkata", False, True),
    ("zoe", "Zoe Laurent", "Europe/Brussels", False, True),
    ("former", "Former Employee", "UTC", False, False),
]

USERS: list[User] = [
    User(_account_id(f"{lp}@{SITE_DOMAIN}", legacy), name, f"{lp}@{SITE_DOMAIN}", tz, active)
    for lp, name, tz, legacy, active in _PEOPLE
]
BY_ACCOUNT_ID = {u.account_id: u for u in USERS}
BY_EMAIL = {u.email.lower(): u for u in USERS}
BY_LOCALPART = {u.localpart: u for u in USERS}

DEMO_USER = "alice@example.com"
DEMO_TOKEN = "token-alice"
DEMO_PAT = "pat-alice"
DEMO_OAUTH_TOKEN = "oauth-alice"
DEMO_ACCOUNT_ID = BY_EMAIL[DEMO_USER].account_id


def user(localpart: str) -> User:
    return BY_LOCALPART[localpart]


def authenticate(authorization: str | None, *, gateway: bool = False) -> User | None:
    """Resolve an ``Authorization`` header to an active user.

    Basic email:token and Bearer PAT anywhere; a Bearer OAuth access token only when the request
    came through the gateway (``gateway``): Cloud refuses 3LO tokens on the site URL.
    """
    if not authorization:
        return None
    scheme, _, cred = authorization.partition(" ")
    scheme = scheme.lower()
    cred = cred.strip()
    if scheme == "basic":
        try:
            email, _, token = base64.b64decode(cred).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        u = BY_EMAIL.get(email.lower())
        if u and u.active and token == u.api_token:
            return u
        return None
    if scheme == "bearer":
        kind, _, localpart = cred.partition("-")
        if kind == "pat" or (kind == "oauth" and gateway):
            u = BY_LOCALPART.get(localpart)
            if u and u.active:
                return u
    return None


def search(query: str, users: list[User] | None = None) -> list[User]:
    """Jira-style user search: prefix of any display-name word, or of the e-mail address."""
    q = (query or "").strip().lower()
    pool = users if users is not None else USERS
    if not q:
        return list(pool)
    out = []
    for u in pool:
        words = u.display_name.lower().split()
        if any(w.startswith(q) for w in words) or u.display_name.lower().startswith(q) or u.email.lower().startswith(q):
            out.append(u)
    return out
