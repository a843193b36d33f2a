"""Turning what people say into Jira ids: projects, issue types, people, sprints, fields.

Lookups of slow-changing data are cached per caller (shared.cache), so a warm create costs
one upstream request. Ambiguity is an error listing the candidates, never a guess; a miss is
an error naming close matches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from shared.cache import IdentityCache
from shared.errors import Ambiguous, ConnectorError, InvalidInput, NotFound
from shared.names import close, person_match, pick
from shared.vocabulary import CURRENT, ME, NEXT, means

from .client import JiraClient


def person(user: dict) -> str:
    email = user.get("emailAddress")
    return f"{user.get('displayName')} ({email})" if email else str(user.get("displayName"))


class Lookups:
    def __init__(self, client: JiraClient, cache: IdentityCache, identity: str, default_timezone: str = "UTC"):
        self.client, self.cache, self.identity = client, cache, identity
        self.default_timezone = default_timezone

    async def _cached(self, namespace: str, key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
        return await self.cache.get_or_load(self.identity, namespace, key, load)

    async def me(self) -> dict:
        return await self._cached("myself", None, self.client.myself)

    async def timezone(self) -> str:
        """The caller's Jira profile zone (what "this week" means to them), else the configured one."""
        return (await self.me()).get("timeZone") or self.default_timezone

    async def projects(self) -> list[dict]:
        async def load() -> list[dict]:
            values: list[dict] = []
            start = 0
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

    async def field_names(self) -> dict[str, str]:
        return {f["id"]: f.get("name") or f["id"] for f in await self.fields()}

    async def issue_types(self, project_key: str) -> list[dict]:
        return await self._cached("createmeta", project_key, lambda: self.client.createmeta(project_key))

    async def create_screen(self, project_key: str, type_name: str) -> tuple[dict, dict[str, dict]]:
        """The issue type and the fields on its create screen, by field id."""
        types = await self.issue_types(project_key)
        issue_type = pick(f"issue type in {project_key}", type_name, {t["name"]: t for t in types})

        async def load() -> dict[str, dict]:
            fields = await self.client.createmeta_fields(project_key, issue_type["id"])
            return {f.get("fieldId") or f.get("key") or "": f for f in fields}

        return issue_type, await self._cached("createfields", (project_key, issue_type["id"]), load)

    async def _people(self, query: str, project_key: str | None) -> list[dict]:
        found = await self._cached(
            "users", (project_key, query.strip().lower()), lambda: self.client.users(query, project_key)
        )
        return [u for u in found if u.get("active", True)]

    async def user(self, query: str, project_key: str | None = None) -> dict:
        """One person by name or e-mail: whole words first; a prefix alone is never taken silently."""
        if means(query, ME):
            return await self.me()
        people = await self._people(query, project_key)
        by_kind: dict[str, list[dict]] = {"exact": [], "words": [], "prefix": []}
        for u in people:
            kind = person_match(query, u.get("displayName") or "", u.get("emailAddress") or "")
            if kind:
                by_kind[kind].append(u)
        matches = by_kind["exact"] or by_kind["words"]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise Ambiguous(
                "Person", query, [person(u) for u in matches[:10]], "Say which one, by full name or e-mail."
            )
        where = f" who can be assigned in {project_key}" if project_key else ""
        elsewhere = await self._not_assignable(query, project_key)
        if by_kind["prefix"]:
            listed = "; ".join(person(u) for u in by_kind["prefix"][:10])
            raise InvalidInput(
                f'Nobody called "{query}"{where}; only longer names begin with it: {listed}.{elsewhere} '
                "Ask the user which person they meant, then give the full name or e-mail."
            )
        suggestions = await self._spelled_like(query, project_key)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        raise NotFound(
            f'Nobody matching "{query}"{where}.{elsewhere}{hint} Check the spelling, or use jira_find_users.'
        )

    async def _not_assignable(self, query: str, project_key: str | None) -> str:
        """People of that name who exist but cannot be assigned in the project, said in words."""
        if not project_key:
            return ""
        try:
            everyone = await self._people(query, None)
        except ConnectorError:
            return ""
        named = [
            u
            for u in everyone
            if person_match(query, u.get("displayName") or "", u.get("emailAddress") or "") in ("exact", "words")
        ]
        if not named:
            return ""
        return f" {', '.join(person(u) for u in named[:5])} cannot be assigned in {project_key}."

    async def _spelled_like(self, query: str, project_key: str | None) -> list[str]:
        try:
            pool = await self._people("", project_key)
        except ConnectorError:
            return []
        names = {u.get("displayName") or "": u for u in pool}
        firsts = {name.split()[0]: name for name in names if name}
        hits = close(query, list(names)) + [firsts[f] for f in close(query, list(firsts))]
        return [person(names[n]) for n in dict.fromkeys(hits)][:3]

    async def board(self, project_key: str) -> dict:
        boards = await self._cached("boards", project_key, lambda: self.client.boards(project_key))
        if not boards:
            raise InvalidInput(f"Project {project_key} has no board, so it has no sprints.")
        scrum = [b for b in boards if b.get("type") == "scrum"]
        return (scrum or boards)[0]

    async def sprints(self, board_id: int) -> list[dict]:
        return await self._cached("sprints", board_id, lambda: self.client.sprints(board_id, "active,future,closed"))

    async def sprint(self, project_key: str, ref: str | int) -> dict:
        board = await self.board(project_key)
        sprints = await self.sprints(board["id"])
        text = str(ref).strip().lower()
        if means(text, CURRENT):
            active = [s for s in sprints if s.get("state") == "active"]
            if len(active) == 1:
                return active[0]
            if not active:
                raise InvalidInput(f'Board "{board["name"]}" has no active sprint. Name a future sprint instead.')
            raise Ambiguous("Sprint", str(ref), [s["name"] for s in active], "Name the sprint.")
        if means(text, NEXT):
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
        phrases = list(dict.fromkeys([t["outward"] for t in types] + [t["inward"] for t in types]))
        raise InvalidInput(
            f'Unknown link type "{phrase}". Use one of: {", ".join(phrases)}.', candidates=close(phrase, phrases)
        )
