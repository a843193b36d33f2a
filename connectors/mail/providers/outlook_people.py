"""Finding a recipient through Microsoft Graph: the person's Outlook contacts (`/me/contacts` with `$filter`),
the people Graph ranks as relevant to them (`/me/people?$search=`, built from contacts and correspondence; it also
matches partial addresses), and the organisation's directory (`/users?$search=` with `ConsistencyLevel: eventual`,
which Graph requires for `$search` on users).

A source the person has not granted (`Contacts.Read`, `People.Read`, `User.ReadBasic.All`; an older sign-in) is
skipped, not an error. Quotes cannot be escaped inside Graph's `$search` value, so only the characters of names and
addresses are kept there; `$filter` values are OData-quoted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from shared.errors import InvalidInput, PermissionDenied

Call = Callable[..., Awaitable[Any]]
EVENTUAL = {"ConsistencyLevel": "eventual"}


def _clean(said: str) -> str:
    return " ".join("".join(c if c.isalnum() or c in "@.-_'" else " " for c in said).split())


def _odata(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _named(name: str, address: str) -> str:
    return f"{name} <{address}>" if name and name != address else address


class GraphPeople:
    def __init__(self, call: Call):
        self._call = call

    async def _get(self, path: str, params: dict[str, str], headers: dict[str, str] | None = None) -> list[Any]:
        try:
            found = await self._call("GET", path, params=params, headers=headers or {})
        except (PermissionDenied, InvalidInput):  # not granted, or a tenant that refuses the query: skipped
            return []
        return list(found.get("value", []))

    async def contacts(self, said: str) -> list[str]:
        value = _odata(said.strip())
        clauses = [f"startswith({field},{value})" for field in ("displayName", "givenName", "surname")]
        if "@" in said:
            clauses.append(f"emailAddresses/any(a:a/address eq {value})")
        params = {"$filter": " or ".join(clauses), "$select": "displayName,emailAddresses", "$top": "25"}
        out = [
            _named(c.get("displayName", ""), e.get("address", ""))
            for c in await self._get("/me/contacts", params)
            for e in c.get("emailAddresses") or []
            if e.get("address")
        ]
        term = _clean(said)
        if term:
            params = {"$search": f'"{term}"', "$select": "displayName,scoredEmailAddresses", "$top": "25"}
            out += [
                _named(p.get("displayName", ""), e.get("address", ""))
                for p in await self._get("/me/people", params)
                for e in p.get("scoredEmailAddresses") or []
                if e.get("address")
            ]
        return out

    async def directory(self, said: str) -> list[str]:
        term = _clean(said)
        if not term:
            return []
        search = f'"displayName:{term}" OR "mail:{term}"'
        params = {"$search": search, "$select": "displayName,mail,userPrincipalName", "$top": "25"}
        return [
            _named(u.get("displayName", ""), u.get("mail") or u.get("userPrincipalName", ""))
            for u in await self._get("/users", params, EVENTUAL)
            if u.get("mail") or u.get("userPrincipalName")
        ]
