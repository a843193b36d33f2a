"""Names people say -> provider ids: folders, drives, owners, and who "me" is. Cached per identity."""

from __future__ import annotations

from shared.cache import IdentityCache
from shared.errors import Ambiguous, InvalidInput
from shared.names import close, pick
from shared.vocabulary import ME, means

from .client import StorageClient
from .providers.base import Entry, Provider


class Lookups:
    def __init__(self, client: StorageClient, cache: IdentityCache, identity: str, default_timezone: str):
        self.client, self.cache, self.identity, self.default_timezone = client, cache, identity, default_timezone

    async def me(self, provider: Provider) -> tuple[str, str]:
        """(display name, e-mail) of the person acting, at this provider."""
        found: tuple[str, str] = await self.cache.get_or_load(self.identity, "me", provider.name, provider.me)
        return found

    async def folder(self, provider: Provider, said: str) -> str:
        """The native id of the folder named `said` ("Contracts", "Projects/Phoenix", or an id we handed out)."""
        said = said.strip().strip("/")
        if ":" in said and said.split(":", 1)[0] in ("gdrive", "onedrive"):
            owner, native = self.client.owner_of(said)
            if owner is not provider:
                raise InvalidInput(f"{said[:60]} belongs to {owner.label}, not {provider.label}.")
            return native
        last = said.rsplit("/", 1)[-1]

        async def load() -> list[Entry]:
            return await provider.folders_named(last)

        candidates = await self.cache.get_or_load(self.identity, f"folders:{provider.name}", last.lower(), load)
        exact = [f for f in candidates if f.name.lower() == last.lower()]
        if "/" in said and len(exact) > 1:  # a path said: keep the folders whose path ends with it
            paths = [(f, await provider.path(f)) for f in exact]
            exact = [f for f, p in paths if p.lower().endswith("/" + said.lower())] or exact
        if len(exact) == 1:
            return exact[0].id.split(":", 1)[1]
        if len(exact) > 1:
            listed = [f"{await provider.path(f)} ({f.id})" for f in exact[:8]]
            raise Ambiguous("Folder", said, listed, "Say the folder's path (Parent/Name) or pass its id.")
        names = close(last, [f.name for f in candidates]) or [f.name for f in candidates[:5]]
        raise InvalidInput(f'No folder named "{said[:60]}" in {provider.label}.', candidates=names)

    def folders_changed(self, provider: Provider) -> None:
        """After a folder is created, moved or renamed: names looked up before may now mean something else."""
        self.cache.invalidate(self.identity, f"folders:{provider.name}")

    async def drive(self, provider: Provider, said: str) -> str:
        drives = await self.cache.get_or_load(self.identity, "drives", provider.name, provider.drives)
        return str(pick("drive", said, drives))

    async def owner_email(self, provider: Provider, said: str) -> str:
        """ "me" -> my address; an e-mail address as is; "" for a name (matched on the results' owners instead)."""
        if means(said, ME):
            return (await self.me(provider))[1]
        return said.strip() if "@" in said else ""


def owned_by(entries: list[Entry], name: str) -> list[Entry]:
    """The entries whose owner is the person named; several different people matching is an ambiguity."""
    from shared.names import person_match

    def matching(owner: str) -> bool:
        display, _, email = owner.partition(" <")
        return person_match(name, display, email.rstrip(">")) in ("exact", "words")

    kept = [e for e in entries if any(matching(o) for o in e.owners)]
    people = sorted({o for e in kept for o in e.owners if matching(o)})
    if len(people) > 1:
        raise Ambiguous("Owner", name, people, "Say the person's full name or e-mail address.")
    return kept
