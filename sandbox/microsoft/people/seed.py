"""Who each tenant member knows: Outlook contacts, the people Graph ranks as relevant, and the tenant's directory.

The directory is the tenant's users (`users.USERS`, the guest included, as `/users` lists guests) plus colleagues
with a directory entry and no sandbox mailbox, so a test can find someone only the directory knows. Contacts hold
two Maries (a colleague and someone at Acme), Paul (also in the directory: the same address twice) and people
outside the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import users
from ..users import User


@dataclass(frozen=True)
class Contact:
    id: str
    given: str
    surname: str
    email: str
    company: str = ""
    job_title: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.given} {self.surname}".strip()


COLLEAGUES: tuple[User, ...] = (
    User("40a0e000-0000-4000-8000-000000040a0e", "Hugo Lefèvre", "hugo.lefevre@contoso.example", "Procurement lead"),
    User("9a010000-0000-4000-8000-0000009a0100", "Paul Durand", "paul.durand@contoso.example", "Sales director"),
    User("3a41e000-0000-4000-8000-0000003a41e0", "Marie Laurent", "marie.laurent@contoso.example", "HR partner"),
)
DIRECTORY: tuple[User, ...] = (*users.USERS, *COLLEAGUES)


def _id(n: int) -> str:
    """An Outlook item id (base64 of the mailbox and item), fixed per seed entry."""
    return f"AAMkAGI2TGuLAAA{n:04d}AAA="


CONTACTS: dict[str, tuple[Contact, ...]] = {
    users.ALICE.id: (
        Contact(_id(1), "Paul", "Durand", "paul.durand@contoso.example", "Contoso", "Sales director"),
        Contact(_id(2), "Marie", "Laurent", "marie.laurent@contoso.example", "Contoso", "HR partner"),
        Contact(_id(3), "Marie", "Dubois", "marie.dubois@acme.example", "Acme"),
        Contact(_id(4), "Claire", "Dubois", "claire.dubois@acme.example", "Acme", "Legal counsel"),
        Contact(_id(5), "Carol", "Diaz", users.CAROL.mail, "Fabrikam"),
    ),
    users.BOB.id: (
        Contact(_id(11), "Alice", "Martin", users.ALICE.mail, "Contoso", "Legal counsel"),
        Contact(_id(12), "Paul", "Durand", "paul.durand@contoso.example", "Contoso", "Sales director"),
    ),
}
