"""Who each sandbox user knows: saved contacts, "other contacts" (kept from correspondence) and the domain directory.

The directory is the domain's sandbox users (`users.USERS`) plus colleagues who have a directory profile but no
sandbox mailbox (so a test can find someone only the directory knows). Contacts include two Maries (a colleague and
someone at Acme), Paul (also in the directory: the same address twice), and people outside the domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import users


@dataclass(frozen=True)
class Entry:
    """One person as a source knows them; `id` is the source's own id (contact id, profile id)."""

    id: str
    given: str
    family: str
    email: str
    organization: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.given} {self.family}".strip()


# Colleagues with a directory profile and no sandbox mailbox (numeric profile ids, as Google's).
COLLEAGUES: tuple[Entry, ...] = (
    Entry("108812004455667788990", "Hugo", "Lefèvre", "hugo.lefevre@example.com", "Example"),
    Entry("108812004455667788991", "Paul", "Durand", "paul.durand@example.com", "Example"),
    Entry("108812004455667788992", "Marie", "Laurent", "marie.laurent@example.com", "Example"),
)


def directory() -> tuple[Entry, ...]:
    """Every domain profile: the sandbox's users in the domain, then the colleagues above."""
    people = tuple(
        Entry(u.subject, u.given_name, u.family_name, u.email, "Example")
        for u in users.USERS
        if u.email.endswith("@" + users.DOMAIN)
    )
    return people + COLLEAGUES


CONTACTS: dict[str, tuple[Entry, ...]] = {
    "alice@example.com": (
        Entry("1a2b3c4d0e0f0001", "Paul", "Durand", "paul.durand@example.com", "Example"),
        Entry("1a2b3c4d0e0f0002", "Marie", "Laurent", "marie.laurent@example.com", "Example"),
        Entry("1a2b3c4d0e0f0003", "Marie", "Dubois", "marie.dubois@acme.example", "Acme"),
        Entry("1a2b3c4d0e0f0004", "Claire", "Dubois", "claire.dubois@acme.example", "Acme"),
        Entry("1a2b3c4d0e0f0005", "Carol", "Outside", users.OUTSIDER_EMAIL, "Partner"),
    ),
    "bob@example.com": (
        Entry("2b3c4d5e0f000001", "Alice", "Martin", "alice@example.com", "Example"),
        Entry("2b3c4d5e0f000002", "Paul", "Durand", "paul.durand@example.com", "Example"),
    ),
}

OTHER_CONTACTS: dict[str, tuple[Entry, ...]] = {
    "alice@example.com": (Entry("c7001", "Dana", "Kim", "dana@partner.org"),),
    "bob@example.com": (),
}
