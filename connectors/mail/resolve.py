"""Names people say -> addresses and folders: recipients from the person's contacts, their organisation's directory
and their own correspondence, cached per identity."""

from __future__ import annotations

import unicodedata
from typing import Any

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


def _plain(text: str) -> str:
    """Accents folded, so "Lefevre" finds "Lefèvre"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _match(said: str, person: str) -> str:
    """person_match's kinds, plus "address": what was said, with no space, starts the person's address
    ("marie.lau", "hugo.lefevre@contoso"), which is as clear as a name."""
    name, _, email = person.rpartition(" <")
    email = email.rstrip(">") if name else person
    fragment = said.strip().lower()
    if " " not in fragment and ("@" in fragment or "." in fragment) and email.lower().startswith(fragment):
        return "address"
    return person_match(_plain(said), _plain(name), email)


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

    async def candidates(self, provider: Provider, said: str) -> list[list[Any]]:
        """[["Name <address>", [where found, ...]], ...]: the person's contacts, then their organisation's directory,
        then their own correspondence, one entry per address (the first source's name kept), cached per identity."""

        async def load() -> list[list[Any]]:
            merged: dict[str, list[Any]] = {}
            sources = (
                ("your contacts", provider.contacts),
                ("the directory", provider.directory),
                ("your mail", provider.people),
            )
            for where, lookup in sources:
                for person in await lookup(said):
                    address = address_of(person)
                    if not address:
                        continue
                    entry = merged.setdefault(address, [person, []])
                    if where not in entry[1]:
                        entry[1].append(where)
            return list(merged.values())

        found: list[list[Any]] = await self.cache.get_or_load(
            self.identity, f"people:{provider.name}", said.lower(), load
        )
        return found

    async def recipient(self, provider: Provider, said: str) -> str:
        """An address as is; "me"; else a name or a partial address looked up in the person's contacts, directory
        and correspondence: one clear match is taken, several (or only partial ones) are listed, never guessed."""
        said = said.strip()
        if means(said, ME):
            return (await self.me(provider))[1]
        partial = False
        if "@" in said:
            address = address_of(said)
            if _valid_address(address):
                return said if "<" in said else address
            partial = " " not in said.strip() and "<" not in said  # "marie.laurent@", "hugo@contoso"
            if not partial:
                raise InvalidInput(f'"{said[:60]}" is not an e-mail address. Give e.g. claire@acme.example.')
        if not said or len(said) > 100:
            raise InvalidInput("A recipient must be a name or an e-mail address.")
        found = await self.candidates(provider, said)
        kinds = [(person, where, _match(said, person)) for person, where in found]
        sure = [(p, w) for p, w, kind in kinds if kind in ("exact", "words", "address")]
        if len(sure) == 1:
            return str(sure[0][0])
        if sure or found:  # several people, or only a partial match ("Al" for Alice): never taken silently
            listed = [f"{p} ({', '.join(w)})" for p, w in (sure or found)[:8]]
            raise Ambiguous("Recipient", said, listed, "Ask the person which one they mean, then give that address.")
        if partial:
            raise InvalidInput(f'"{said[:60]}" is not an e-mail address, and no one\'s address starts with it.')
        raise InvalidInput(
            f'Nobody named "{said[:60]}" in your contacts, your organisation\'s directory or your {provider.label} '
            "correspondence: ask the person for the e-mail address and give it."
        )

    async def recipients(self, provider: Provider, said: list[str]) -> list[str]:
        return [await self.recipient(provider, person) for person in said if person.strip()]

    def folders_changed(self, provider: Provider) -> None:
        self.cache.invalidate(self.identity, "folders")
