"""People API v1 routes a mail client uses to find a recipient, at Google's paths (people.googleapis.com):

``GET /v1/people/me/connections`` (people.connections.list), ``GET /v1/people:searchContacts``,
``GET /v1/otherContacts:search`` and ``GET /v1/people:searchDirectoryPeople`` (Workspace directory).

Scopes as Google checks them: contacts reads need ``contacts`` or ``contacts.readonly``, other contacts
``contacts.other.readonly``, the directory ``directory.readonly``. Static demo tokens (``ya29.sandbox-*``) are taken
as carrying all three. Empty lists are left out of answers, as Google does (``{}`` when nothing matched).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import GoogleError, error_response
from ..identity import bearer, require_scope
from ..tokens import AccessToken, TokenStore
from . import seed
from .resource import OTHER_FIELDS, mask, matches, person

_A = "https://www.googleapis.com/auth/"
CONTACTS = (_A + "contacts", _A + "contacts.readonly")
OTHER = (_A + "contacts.other.readonly",)
DIRECTORY = (_A + "directory.readonly",)
DIRECTORY_SOURCES = {"DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE", "DIRECTORY_SOURCE_TYPE_DOMAIN_CONTACT"}


def _size(request: Request, default: int, high: int) -> int:
    raw = request.query_params.get("pageSize")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise GoogleError(400, f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"", "badRequest") from None
    if value < 0 or value > high:
        raise GoogleError(400, f"Page size must be between 0 and {high}.", "badRequest", location="pageSize")
    return value or default


def _page(request: Request, items: list, size: int, bound: str) -> tuple[list, str]:
    """A page of ``items`` and the next token (opaque, bound to the request it came from)."""
    start = 0
    raw = request.query_params.get("pageToken")
    if raw:
        try:
            saved = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            start, ok = int(saved["at"]), saved["for"] == bound
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise GoogleError(400, "Page token is not valid.", "badRequest", location="pageToken")
    end = start + size
    token = base64.urlsafe_b64encode(json.dumps({"at": end, "for": bound}).encode()).decode().rstrip("=")
    return items[start:end], token if end < len(items) else ""


async def connections(request: Request, token: AccessToken) -> dict:
    resource = request.path_params["resourceName"]
    if resource != "me":
        raise GoogleError(400, "Must be a person resource name of the authenticated user: people/me.", "badRequest")
    require_scope(token, CONTACTS)
    fields = mask(request.query_params.get("personFields"), "personFields", "people.connections/list")
    entries = sorted(seed.CONTACTS.get(token.user.email, ()), key=lambda e: (e.family.lower(), e.given.lower()))
    if request.query_params.get("sortOrder") == "FIRST_NAME_ASCENDING":
        entries.sort(key=lambda e: (e.given.lower(), e.family.lower()))
    page, following = _page(request, entries, _size(request, 100, 1000), "connections:" + ",".join(sorted(fields)))
    body: dict = {"totalPeople": len(entries), "totalItems": len(entries)}
    if page:
        body["connections"] = [person("contact", e, fields) for e in page]
    return body | ({"nextPageToken": following} if following else {})


def _search(request: Request, kind: str, pool: tuple[seed.Entry, ...], fields: set[str]) -> dict:
    query = request.query_params.get("query")
    if query is None:
        raise GoogleError(400, "query is required.", "badRequest", location="query")
    size = _size(request, 10, 30)
    found = [person(kind, e, fields) for e in pool if matches(e, query)][:size]
    return {"results": [{"person": p} for p in found]} if found else {}


async def search_contacts(request: Request, token: AccessToken) -> dict:
    require_scope(token, CONTACTS)
    fields = mask(request.query_params.get("readMask"), "readMask", "people/searchContacts")
    return _search(request, "contact", seed.CONTACTS.get(token.user.email, ()), fields)


async def search_other_contacts(request: Request, token: AccessToken) -> dict:
    require_scope(token, OTHER)
    fields = mask(request.query_params.get("readMask"), "readMask", "otherContacts/search", OTHER_FIELDS)
    return _search(request, "other", seed.OTHER_CONTACTS.get(token.user.email, ()), fields)


async def search_directory(request: Request, token: AccessToken) -> dict:
    require_scope(token, DIRECTORY)
    fields = mask(request.query_params.get("readMask"), "readMask", "people/searchDirectoryPeople")
    sources = set(request.query_params.getlist("sources"))
    if not sources:
        raise GoogleError(400, "Directory sources must be specified.", "badRequest", location="sources")
    if not sources <= DIRECTORY_SOURCES:
        bad = sorted(sources - DIRECTORY_SOURCES)[0]
        raise GoogleError(400, f"Invalid value at 'sources' (type.googleapis.com/...), \"{bad}\"", "badRequest")
    query = request.query_params.get("query", "")
    pool = seed.directory() if "DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE" in sources else ()
    found = [e for e in pool if matches(e, query)]
    page, following = _page(request, found, _size(request, 100, 500), "directory:" + query)
    body: dict = {"totalSize": len(found)} if found else {}
    if page:
        body["people"] = [person("directory", e, fields) for e in page]
    return body | ({"nextPageToken": following} if following else {})


Handler = Callable[[Request, AccessToken], Awaitable[dict]]


def _endpoint(tokens: TokenStore, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            token = bearer(tokens, request.headers.get("authorization"))
            request.scope.setdefault("state", {})["google_user"] = token.user.email
            if token.grant is None:  # a static demo token: it may read contacts and the directory
                token = AccessToken(
                    token.token, None, token.user, (*token.scopes, *CONTACTS, *OTHER, *DIRECTORY), token.expires_at
                )
            return JSONResponse(await handler(request, token))
        except GoogleError as exc:
            return error_response(exc)

    return run


def routes(tokens: TokenStore) -> list[Route]:
    table: tuple[tuple[str, Handler], ...] = (
        ("/v1/people/{resourceName}/connections", connections),
        ("/v1/people:searchContacts", search_contacts),
        ("/v1/otherContacts:search", search_other_contacts),
        ("/v1/people:searchDirectoryPeople", search_directory),
    )
    return [Route(path, _endpoint(tokens, handler), methods=["GET"]) for path, handler in table]
