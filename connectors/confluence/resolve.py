"""Turning what people say into Confluence ids: spaces, projects, people, pages.

Lookups of slow-changing data (the caller, spaces, people's names) are cached per caller
(shared.cache). Ambiguity is an error listing the candidates, never a guess; a miss is an error
naming close matches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio

from shared.cache import IdentityCache
from shared.errors import Ambiguous, InvalidInput, NotFound
from shared.names import close, person_match
from shared.vocabulary import ME, means

from . import cql as q
from .client import ConfluenceClient, next_cursor


@dataclass
class Scope:
    """What "project X" turned out to be: a space, or a label."""

    kind: str  # "space" | "label"
    value: str  # space key or label name
    stated: str  # the resolution, in words, for the result
    space: dict | None = None

    @property
    def cql(self) -> str:
        return f"space = {q.quote(self.value)}" if self.kind == "space" else f"label = {q.quote(self.value)}"


class Lookups:
    def __init__(self, client: ConfluenceClient, cache: IdentityCache, identity: str, default_timezone: str = "UTC"):
        self.client, self.cache, self.identity = client, cache, identity
        self.default_timezone = default_timezone

    async def _cached(self, namespace: str, key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
        return await self.cache.get_or_load(self.identity, namespace, key, load)

    async def me(self) -> dict:
        me = await self._cached("me", None, self.client.current_user)
        self.learn(me)
        return me

    async def timezone(self) -> str:
        """The caller's profile zone: what "this week" means to them, and how Confluence reads CQL dates."""
        return (await self.me()).get("timeZone") or self.default_timezone

    # -- spaces ----------------------------------------------------------------------------------
    async def spaces(self) -> list[dict]:
        async def load() -> list[dict]:
            values, cursor = [], None
            while True:
                page = await self.client.spaces(cursor)
                values += page.get("results", [])
                cursor = next_cursor(page)
                if not cursor or len(values) >= 2000:
                    return values

        return await self._cached("spaces", None, load)

    async def space_by_id(self, space_id: Any) -> dict | None:
        return next((s for s in await self.spaces() if str(s.get("id")) == str(space_id)), None)

    async def space_key(self, space_id: Any) -> str:
        space = await self.space_by_id(space_id)
        return space["key"] if space else ""

    async def space(self, ref: str) -> dict:
        wanted = ref.strip().lower()
        spaces = await self.spaces()
        for s in spaces:
            if wanted in (s["key"].lower(), str(s.get("id"))):
                return s
        named = [s for s in spaces if (s.get("name") or "").lower() == wanted]
        if len(named) == 1:
            return named[0]
        partial = named or [s for s in spaces if wanted and wanted in (s.get("name") or "").lower()]
        if len(partial) == 1:
            return partial[0]
        if len(partial) > 1:
            raise Ambiguous("Space", ref, [f"{s['key']} ({s['name']})" for s in partial[:10]], "Use the space key.")
        options = [s["key"] for s in spaces] + [s.get("name", "") for s in spaces]
        raise InvalidInput(
            f'Unknown space "{ref}". Use a space key or name; see confluence_list_spaces.',
            candidates=close(ref, options) or [f"{s['key']} ({s['name']})" for s in spaces[:5]],
        )

    async def scope(self, ref: str) -> Scope:
        """ "project X": a space key, a space name (exact, then partial), else a label with pages."""
        wanted = ref.strip()
        spaces = await self.spaces()
        lowered = wanted.lower()
        for test, how in (
            (lambda s: s["key"].lower() == lowered, "space key"),
            (lambda s: (s.get("name") or "").lower() == lowered, "space name"),
            (lambda s: lowered in (s.get("name") or "").lower(), "space name containing it"),
        ):
            found = [s for s in spaces if test(s)]
            if len(found) == 1:
                s = found[0]
                return Scope(
                    "space", s["key"], f'"{wanted}" is the space {s["key"]} ({s["name"]}), matched by {how}.', s
                )
            if len(found) > 1:
                raise Ambiguous(
                    "Project", wanted, [f"{s['key']} ({s['name']})" for s in found[:10]], "Name the space key."
                )
        label = "-".join(lowered.split())
        hits = await self.client.search(f"label = {q.quote(label)}", limit=1)
        if hits.get("results"):
            return Scope("label", label, f'"{wanted}" is not a space; it was matched as the label "{label}".')
        options = [s["key"] for s in spaces] + [s.get("name", "") for s in spaces]
        raise NotFound(
            f'"{wanted}" is neither a space (key or name) nor a label with pages. Spaces: '
            + ", ".join(f"{s['key']} ({s['name']})" for s in spaces[:15])
            + "."
            + (f" Did you mean: {', '.join(close(wanted, options))}?" if close(wanted, options) else "")
        )

    # -- people ----------------------------------------------------------------------------------
    def learn(self, *users: dict | None) -> None:
        """Remember the names of people met in v1 objects (version.by, history.createdBy)."""
        for user in users:
            if user and user.get("accountId") and user.get("displayName"):
                self.cache.put(self.identity, "person", user["accountId"], user["displayName"])

    async def names(self, account_ids: list[str]) -> dict[str, str]:
        """Display names by account id: cached one by one, the rest fetched in one bulk request."""
        out, missing = {}, []
        for account_id in {a for a in account_ids if a}:
            known = self.cache.peek(self.identity, "person", account_id)
            if known is None:
                missing.append(account_id)
            else:
                out[account_id] = known
        if self.cache.peek(self.identity, "users-bulk", None) is None:
            for start in range(0, len(missing), 100):
                try:
                    found = await self.client.users(missing[start : start + 100])
                except NotFound:  # a site (or proxy) without users-bulk: names learned from searches only
                    self.cache.put(self.identity, "users-bulk", None, "unavailable")
                    break
                for user in found:
                    user_id = user.get("accountId")
                    if not user_id:  # a malformed entry: no id to key its name by
                        continue
                    name = user.get("displayName") or user.get("publicName") or user_id
                    self.cache.put(self.identity, "person", user_id, name)
                    out[user_id] = name
        for account_id in missing:
            out.setdefault(
                account_id, self.cache.peek(self.identity, "person", account_id) or f"user {account_id[-6:]}"
            )
        return out

    async def person(self, query: str) -> tuple[str, str]:
        """(CQL user value, display name): "me" is currentUser(); else a unique name or e-mail match."""
        text = query.strip()
        if means(text, ME):
            me = await self.me()
            return "currentUser()", me.get("displayName", "you")
        try:
            found = await self._cached("users", text.lower(), lambda: self.client.find_users(text))
        except NotFound:  # no people search on this site: an e-mail is still understood by CQL
            if "@" in text:
                return q.quote(text), text
            raise InvalidInput(
                f'People search is not available here: give "{query}" as an e-mail address, or "me".'
            ) from None
        kinds = {id(u): person_match(text, u.get("displayName") or "", u.get("email") or "") for u in found}
        matches = [u for u in found if kinds[id(u)] == "exact"] or [u for u in found if kinds[id(u)] == "words"]
        if not matches and found:
            listed = "; ".join(str(u.get("displayName")) for u in found[:10])
            raise InvalidInput(
                f'Nobody called "{query}"; only longer names begin with it: {listed}. '
                "Ask the user which person they meant, then give the full name or e-mail."
            )
        if len(matches) == 1:
            return q.quote(matches[0]["accountId"]), matches[0].get("displayName", "")
        if not matches:
            raise NotFound(f'Nobody matching "{query}". Check the spelling, or use "me".')
        raise Ambiguous(
            "Person",
            query,
            [
                f"{u.get('displayName')} ({u.get('email')})" if u.get("email") else str(u.get("displayName"))
                for u in matches[:10]
            ],
            "Say which one, by full name or e-mail.",
        )

    # -- pages -----------------------------------------------------------------------------------
    async def page_by_title(self, title: str, space_ref: str) -> dict:
        space = await self.space(space_ref)
        found = await self.client.pages_by_title(str(space["id"]), title.strip())
        if not found:
            hits = await self.client.search(
                f"space = {q.quote(space['key'])} AND title ~ {q.text_query(title)} AND type = page", limit=5
            )
            titles = [
                q.plain_title((h.get("content") or {}).get("title") or h.get("title") or "")
                for h in hits.get("results", [])
            ]
            raise NotFound(
                f'No page titled "{title}" in {space["key"]}.'
                + (f" Close titles: {'; '.join(t for t in titles if t)}." if titles else "")
            )
        return found[0]


async def gather(calls: list, limit: int = 8) -> list:
    """Run coroutine factories concurrently (bounded), results in order."""
    results: list = [None] * len(calls)
    gate = anyio.Semaphore(limit)

    async def one(index: int, call) -> None:
        async with gate:
            results[index] = await call()

    async with anyio.create_task_group() as group:
        for index, call in enumerate(calls):
            group.start_soon(one, index, call)
    return results
