"""Turning what people say into Jira ids: projects, issue types, people, sprints, fields.

Lookups of slow-changing data are cached per caller (shared.cache), so a warm create costs
one upstream request. Ambiguity is an error listing the candidates, never a guess; a miss is
an error naming close matches.
"""

from __future__ import annotations

import difflib
from typing import Any

from shared.cache import IdentityCache
from shared.errors import Ambiguous, InvalidInput, NotFound

from .client import JiraClient


def close(value: str, options: list[str], n: int = 3) -> list[str]:
    lowered = {o.lower(): o for o in options}
    return [lowered[m] for m in difflib.get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.5)]


def pick(what: str, value: str, options: dict[str, Any]) -> Any:
    """Case-insensitive exact match among named options, else a helpful error."""
    for name, item in options.items():
        if name.lower() == value.strip().lower():
            return item
    raise InvalidInput(f'Unknown {what} "{value}". Known: {", ".join(list(options)[:15])}.', candidates=close(value, list(options)))


def _person(user: dict) -> str:
    email = user.get("emailAddress")
    return f"{user.get('displayName')} ({email})" if email else str(user.get("displayName"))


def _matches(user: dict, query: str) -> bool:
    q = query.strip().lower()
    name = (user.get("displayName") or "").lower()
    email = (user.get("emailAddress") or "").lower()
    return email == q or name == q or any(word.startswith(q) for word in name.split()) or name.startswith(q)


class Lookups:
    def __init__(self, client: JiraClient, cache: IdentityCache, identity: str):
        self.client, self.cache, self.identity = client, cache, identity

    async def _cached(self, namespace: str, key: Any, load) -> Any:
        return await self.cache.get_or_load(self.identity, namespace, key, load)

    async def me(self) -> dict:
        return await self._cached("myself", None, self.client.myself)

    async def timezone(self, fallback: str) -> str:
        return (await self.me()).get("timeZone") or fallback

    async def projects(self) -> list[dict]:
        async def load() -> list[dict]:
            values, start = [], 0
            while True:
                page = await self.client.projects(None, start, 50)
                values += page.get("values", [])
                if page.get("isLast", True) or not page.get("values") or len(values) >= 1000:
                    return values
                start += len(page["values"])

        return await self._cached("projects", None, load)

    async def project(self, ref: str) -> dict:
        projects = await self.projects()
        for p in projects:
            if ref.strip().lower() in (p["key"].lower(), p["name"].lower(), str(p["id"])):
                return p
        names = [f"{p['key']} ({p['name']})" for p in projects]
        raise InvalidInput(
            f'Unknown project "{ref}". Use a project key or name; see jira_list_projects.',
            candidates=close(ref, [p["key"] for p in projects] + [p["name"] for p in projects]) or names[:5],
        )

    async def fields(self) -> list[dict]:
        return await self._cached("fields", None, self.client.fields)

    async def field(self, ref: str) -> dict:
        fields = await self.fields()
        for f in fields:
            if ref.strip().lower() in (f["id"].lower(), (f.get("name") or "").lower(), (f.get("key") or "").lower()):
                return f
        raise InvalidInput(f'Unknown field "{ref}".', candidates=close(ref, [f["name"] for f in fields]))

    async def field_id(self, name: str) -> str | None:
        """The id of a field by its display name (e.g. "Sprint"), or None if this site lacks it."""
        for f in await self.fields():
            if (f.get("name") or "").lower() == name.lower():
                return f["id"]
        return None

    async def issue_types(self, project_key: str) -> list[dict]:
        return await self._cached("createmeta", project_key, lambda: self.client.createmeta(project_key))

    async def create_screen(self, project_key: str, type_name: str) -> tuple[dict, dict[str, dict]]:
        """The issue type and the fields on its create screen, by field id."""
        types = await self.issue_types(project_key)
        issue_type = pick(f"issue type in {project_key}", type_name, {t["name"]: t for t in types})

        async def load() -> dict[str, dict]:
            fields = await self.client.createmeta_fields(project_key, issue_type["id"])
            return {f.get("fieldId") or f.get("key"): f for f in fields}

        return issue_type, await self._cached("createfields", (project_key, issue_type["id"]), load)

    async def user(self, query: str, project_key: str | None = None) -> dict:
        if query.strip().lower() in ("me", "moi", "myself", "currentuser()"):
            return await self.me()
        found = await self._cached(
            "users", (project_key, query.strip().lower()), lambda: self.client.users(query, project_key)
        )
        matches = [u for u in found if u.get("active", True) and _matches(u, query)]
        exact = [u for u in matches if (u.get("displayName") or "").lower() == query.strip().lower()]
        matches = exact or matches
        if len(matches) == 1:
            return matches[0]
        where = f" among people who can be assigned in {project_key}" if project_key else ""
        if not matches:
            raise NotFound(f'Nobody matching "{query}"{where}. Check the spelling, or use jira_find_users.')
        raise Ambiguous(
            "Person", query, [_person(u) for u in matches[:10]], "Say which one, by full name or e-mail."
        )

    async def board(self, project_key: str) -> dict:
        boards = await self._cached("boards", project_key, lambda: self.client.boards(project_key))
        if not boards:
            raise InvalidInput(f"Project {project_key} has no board, so it has no sprints.")
        scrum = [b for b in boards if b.get("type") == "scrum"]
        return (scrum or boards)[0]

    async def sprints(self, board_id: int) -> list[dict]:
        return await self._cached(
            "sprints", board_id, lambda: self.client.sprints(board_id, "active,future,closed")
        )

    async def sprint(self, project_key: str, ref: str | int) -> dict:
        board = await self.board(project_key)
        sprints = await self.sprints(board["id"])
        text = str(ref).strip().lower()
        if text in ("current", "active", "en cours", "actuel", "courant"):
            active = [s for s in sprints if s.get("state") == "active"]
            if len(active) == 1:
                return active[0]
            if not active:
                raise InvalidInput(f'Board "{board["name"]}" has no active sprint. Name a future sprint instead.')
            raise Ambiguous("Sprint", str(ref), [s["name"] for s in active], "Name the sprint.")
        if text in ("next", "future", "prochain", "suivant"):
            future = sorted((s for s in sprints if s.get("state") == "future"), key=lambda s: s.get("startDate", ""))
            if future:
                return future[0]
            raise InvalidInput(f'Board "{board["name"]}" has no future sprint.')
        for s in sprints:
            if text in (str(s["id"]), s["name"].lower()):
                return s
        raise InvalidInput(
            f'Unknown sprint "{ref}" on board "{board["name"]}". Use "current", "next", or a sprint name.',
            candidates=close(str(ref), [s["name"] for s in sprints]),
        )

    async def priorities(self) -> dict[str, dict]:
        return {p["name"]: p for p in await self._cached("priorities", None, self.client.priorities)}

    async def statuses(self) -> dict[str, dict]:
        return {s["name"]: s for s in await self._cached("statuses", None, self.client.statuses)}

    async def link_type(self, phrase: str) -> tuple[str, bool]:
        """(link type name, True if `phrase` reads from the first issue outward, e.g. "blocks")."""
        types = await self._cached("linktypes", None, self.client.link_types)
        wanted = phrase.strip().lower()
        for t in types:
            if wanted in (t["outward"].lower(), t["name"].lower()):
                return t["name"], True
            if wanted == t["inward"].lower():
                return t["name"], False
        phrases = [t["outward"] for t in types] + [t["inward"] for t in types]
        raise InvalidInput(f'Unknown link type "{phrase}". Use one of: {", ".join(phrases)}.', candidates=close(phrase, phrases))
