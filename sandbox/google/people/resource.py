"""Person resources as the People API answers them, cut to the caller's field mask, and the API's prefix search."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from functools import lru_cache
from importlib import resources

from ..errors import GoogleError
from .seed import Entry

SOURCE = {"contact": "CONTACT", "other": "OTHER_CONTACT", "directory": "DOMAIN_PROFILE"}
# "Other contacts" only carry these (otherContacts.search's readMask documentation)
OTHER_FIELDS = {"emailAddresses", "metadata", "names", "phoneNumbers", "photos"}


@lru_cache(maxsize=1)
def document() -> dict:
    path = resources.files("googleapiclient") / "discovery_cache" / "documents" / "people.v1.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def mask(raw: str | None, name: str, method: str, allowed: set[str] | None = None) -> set[str]:
    """The field mask (`personFields`/`readMask`): required, each path a Person field."""
    if not raw or not raw.strip():
        raise GoogleError(
            400,
            f"{name} mask is required. Please specify one or more valid paths. Valid paths are documented at "
            f"https://developers.google.com/people/api/rest/v1/{method}.",
            "badRequest",
        )
    paths = {p.strip() for p in raw.split(",") if p.strip()}
    known = set(document()["schemas"]["Person"]["properties"]) - {"resourceName", "etag"}
    for path in sorted(paths):
        if path not in known or (allowed is not None and path not in allowed):
            raise GoogleError(
                400,
                f'Invalid {name} path: "{path}". Valid paths are documented at '
                f"https://developers.google.com/people/api/rest/v1/{method}.",
                "badRequest",
            )
    return paths


def _meta(kind: str, entry: Entry) -> dict:
    return {"primary": True, "sourcePrimary": True, "source": {"type": SOURCE[kind], "id": entry.id}}


def resource_name(kind: str, entry: Entry) -> str:
    if kind == "other":
        return f"otherContacts/{entry.id}"
    return f"people/{'c' + str(int(entry.id, 16)) if kind == 'contact' else entry.id}"


def person(kind: str, entry: Entry, fields: set[str]) -> dict:
    """A Person with only the masked fields (plus resourceName and etag, always there)."""
    digest = hashlib.sha256(f"{kind}:{entry.id}:{entry.email}".encode()).hexdigest()[:16]
    body: dict = {"resourceName": resource_name(kind, entry), "etag": "%Eg" + digest}
    if "names" in fields:
        name = {
            "metadata": _meta(kind, entry),
            "displayName": entry.display_name,
            "familyName": entry.family,
            "givenName": entry.given,
            "displayNameLastFirst": f"{entry.family}, {entry.given}" if entry.family else entry.given,
            "unstructuredName": entry.display_name,
        }
        body["names"] = [name]
    if "emailAddresses" in fields:
        email = {"metadata": _meta(kind, entry), "value": entry.email}
        if kind != "other":
            email |= {"type": "work", "formattedType": "Work"}
        body["emailAddresses"] = [email]
    if "organizations" in fields and entry.organization:
        body["organizations"] = [{"metadata": _meta(kind, entry), "name": entry.organization, "type": "work"}]
    if "metadata" in fields:
        source = {"type": SOURCE[kind], "id": entry.id, "etag": "#" + digest}
        body["metadata"] = {"sources": [source]} | ({"objectType": "PERSON"} if kind != "other" else {})
    return body


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def matches(entry: Entry, query: str) -> bool:
    """Google's rule: the query is a prefix of a phrase in a name or an address ("f", "foo n", "nam" match a person
    named "foo name"; "oo n" does not). Case and accents are ignored."""
    wanted = " ".join(_plain(query).split())
    if not wanted:
        return False
    for value in (entry.display_name, f"{entry.family} {entry.given}", entry.email, entry.organization):
        text = _plain(value)
        starts = [0] + [i + 1 for i, c in enumerate(text) if c in " .@_-"]
        if any(text[i:].startswith(wanted) for i in starts):
            return True
    return False
