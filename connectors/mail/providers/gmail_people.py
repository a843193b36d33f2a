"""Google's People API v1 for finding a recipient: the person's contacts (`people.searchContacts`) and their
Workspace domain's directory (`people.searchDirectoryPeople`), through google-api-python-client built from the
discovery document it ships, with only `rootUrl`/`mtlsRootUrl` set (as Gmail's client is built).

People lives on its own host (people.googleapis.com): with Gmail's default root it is derived from it; any other
root (a sandbox, a proxy) serves both. A source the person has not granted (an older sign-in without
`contacts.readonly`/`directory.readonly`, a consumer account without a directory) is skipped, not an error.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc

from shared.errors import InvalidInput, PermissionDenied
from shared.google_http import PolicyHttp, execute

MASK = "names,emailAddresses"
LABEL = "Google People"


def people_root(gmail_root: str) -> str:
    """https://gmail.googleapis.com/ -> https://people.googleapis.com/; any other root is kept as it is."""
    parts = urlsplit(gmail_root.rstrip("/") + "/")
    if parts.hostname and parts.hostname.startswith("gmail."):
        parts = parts._replace(netloc=parts.netloc.replace("gmail.", "people.", 1))
    return urlunsplit(parts)


def people_document(root_url: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(get_static_doc("people", "v1") or "{}")
    doc["rootUrl"] = doc["mtlsRootUrl"] = people_root(root_url)
    return doc


def _people(found: list[dict[str, Any]]) -> list[str]:
    """Person resources -> "Name <address>" (each address of a person once)."""
    out: list[str] = []
    for person in found:
        names = person.get("names") or [{}]
        name = str(names[0].get("displayName", ""))
        for email in person.get("emailAddresses") or []:
            address = str(email.get("value", "")).strip()
            if address:
                out.append(f"{name} <{address}>" if name else address)
    return out


class GooglePeople:
    def __init__(self, root_url: str, http: PolicyHttp):
        self.api = build_from_document(people_document(root_url), http=http)
        self._warm = False

    async def _run(self, request: Any) -> dict[str, Any]:
        try:
            found = await execute(LABEL, request)
        except PermissionDenied:  # the scope was not granted: this source is skipped
            return {}
        except InvalidInput:  # e.g. a consumer account has no domain directory
            return {}
        return found if isinstance(found, dict) else {}

    async def contacts(self, said: str) -> list[str]:
        people = self.api.people()
        if not self._warm:  # Google asks for one empty query first, which refreshes its search cache
            await self._run(people.searchContacts(query="", readMask=MASK))
            self._warm = True
        found = await self._run(people.searchContacts(query=said, readMask=MASK, pageSize=30))
        return _people([r.get("person", {}) for r in found.get("results", [])])

    async def directory(self, said: str) -> list[str]:
        request = self.api.people().searchDirectoryPeople(
            query=said, readMask=MASK, sources=["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"], pageSize=25
        )
        return _people((await self._run(request)).get("people", []))
