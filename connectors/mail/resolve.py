"""Names people say -> addresses and folders: recipients from the person's own correspondence, cached per identity."""

from __future__ import annotations

from shared.cache import IdentityCache
from shared.errors import Ambiguous, InvalidInput
from shared.names import close, person_match
from shared.vocabulary import ME, means

from .compose import address_of
from .providers.base import Folder, Provider
from .providers.gmail_format import label_id


def _valid_address(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local and "." in domain and " " not in text and "," not in text)


def _match(said: str, person: str) -> str:
    name, _, email = person.rpartition(" <")
    return person_match(said, name, email.rstrip(">")) if name else person_match(said, "", person)


class Lookups:
    def __init__(self, cache: IdentityCache, identity: str, default_timezone: str):
        self.cache, self.identity, self.default_timezone = cache, identity, default_timezone

    async def me(self, provider: Provider) -> tuple[str, str]:
        """(display name, e-mail) of the person acting, at this provider."""
        found: tuple[str, str] = await self.cache.get_or_load(self.identity, "me", provider.name, provider.me)
        return found

    async def folders(self, provider: Provider, mailbox: str = "") -> list[Folder]:
        found: list[Folder] = await self.cache.get_or_load(
            self.identity, "folders", f"{provider.name}:{mailbox}", lambda: provider.folders(mailbox)
        )
        return found

    async def folder(self, provider: Provider, said: str, mailbox: str = "") -> str:
        """The native id of a folder or label named by the person ("Inbox", "Clients/Acme", "Newsletters")."""
        folders = await self.folders(provider, mailbox)
        if provider.name == "gmail":
            return label_id(folders, said)
        wanted = said.strip().strip("/").lower()
        aliases = {"sent": "sent items", "trash": "deleted items", "spam": "junk email", "junk": "junk email"}
        wanted = aliases.get(wanted, wanted)
        exact = [f for f in folders if f.name.lower() == wanted or f.id == said.strip()]
        exact = exact or [f for f in folders if f.name.lower().rsplit("/", 1)[-1] == wanted]
        if len(exact) == 1:
            return exact[0].id
        if len(exact) > 1:
            raise Ambiguous("Folder", said, [f.name for f in exact], "Say the folder's path (Parent/Name).")
        names = close(said, [f.name for f in folders]) or [f.name for f in folders[:8]]
        raise InvalidInput(f'No Outlook folder named "{said[:60]}".', candidates=names)

    async def recipient(self, provider: Provider, said: str) -> str:
        """An address as is; "me"; else a name matched against the people this person corresponds with."""
        said = said.strip()
        if means(said, ME):
            return (await self.me(provider))[1]
        if "@" in said:
            address = address_of(said)
            if not _valid_address(address):
                raise InvalidInput(f'"{said[:60]}" is not an e-mail address. Give e.g. claire@acme.example.')
            return said if "<" in said else address
        if not said or len(said) > 100:
            raise InvalidInput("A recipient must be a name or an e-mail address.")
        found: list[str] = await self.cache.get_or_load(
            self.identity, f"people:{provider.name}", said.lower(), lambda: provider.people(said)
        )
        kinds = {person: _match(said, person) for person in found}
        sure = [p for p, kind in kinds.items() if kind in ("exact", "words")]
        if len(sure) == 1:
            return sure[0]
        if sure or found:  # several people, or only a partial match ("Al" for Alice): never taken silently
            raise Ambiguous("Recipient", said, (sure or found)[:8], "Say the person's e-mail address or full name.")
        raise InvalidInput(
            f'Nobody named "{said[:60]}" in your {provider.label} correspondence: give the e-mail address.'
        )

    async def recipients(self, provider: Provider, said: list[str]) -> list[str]:
        return [await self.recipient(provider, person) for person in said if person.strip()]

    def folders_changed(self, provider: Provider) -> None:
        self.cache.invalidate(self.identity, "folders")
