"""The Graph people workload (an entry of ``app.GRAPH_WORKLOADS``): what a mail client reads to find a recipient.

- ``GET /me/contacts`` (and ``/users/{id}/contacts``, ``/me/contacts/{id}``): Outlook contacts; ``$filter`` in the
  subset contacts support (``startswith(givenName|surname|displayName,'x')``, ``emailAddresses/any(a:a/address eq
  'x')``, ``and``/``or``), ``$search="x"`` (a prefix of a name or an address), ``$select``, ``$top`` (default 10),
  ``$skip``. Needs ``Contacts.Read``.
- ``GET /me/people``: the people Graph ranks as relevant to the person (contacts, then colleagues), ``$search="x"``,
  ``$top`` (default 10), ``$skip``, ``$select``. Needs ``People.Read``.
- ``GET /users``: the directory. ``$search="displayName:x"`` (or ``mail:``, ``givenName:``, ``surname:``,
  ``userPrincipalName:``; joined by OR/AND) only with the ``ConsistencyLevel: eventual`` header (else 400
  ``Request_UnsupportedQuery``, as Graph answers); ``$filter`` with ``startswith``/``eq``; ``$count=true``;
  ``$top`` (default 100, at most 999) with ``$skiptoken`` paging. Needs ``User.ReadBasic.All`` (or ``User.Read.All``,
  ``Directory.Read.All``).

Demo tokens (``demo-<name>``) are taken as carrying these permissions; signed tokens must have them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..drive.render import user_json
from ..graph import GraphError, Principal, apply_select, decode_cursor, encode_cursor, principal, query_options
from ..users import TENANT_DOMAIN, User, by_demo_token, by_email, by_id
from . import seed
from .query import parse_filter, prefix_match, search_terms

CONTACTS = {"Contacts.Read", "Contacts.ReadWrite"}
PEOPLE = {"People.Read", "People.Read.All"}
DIRECTORY = {"User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}
USER_SEARCH = {"displayName", "mail", "givenName", "surname", "userPrincipalName"}


def _allowed(request: Request, who: Principal, wanted: set[str], name: str) -> None:
    token = request.headers.get("authorization", "")[7:].strip()
    if by_demo_token(token) is None and not (who.scopes | who.roles) & wanted:
        raise GraphError(403, "ErrorAccessDenied", f"Access is denied. Check credentials and try again ({name}).")


def _owner(request: Request, who: Principal, key: str | None) -> User:
    if key is None:
        if who.user is None:
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        return who.user
    user = by_id(key) or by_email(key)
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    if who.user is not None and who.user.id != user.id:
        raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    return user


def contact_json(c: seed.Contact) -> dict[str, Any]:
    stamp = "2026-01-05T09:00:00Z"
    return {
        "@odata.etag": f'W/"EQAAABYAAAB{c.id[-8:-4]}"',
        "id": c.id,
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "changeKey": f"EQAAABYAAAB{c.id[-8:-4]}",
        "categories": [],
        "parentFolderId": "AAMkAGI2TGuLAAAContactsAAA=",
        "birthday": None,
        "fileAs": "",
        "displayName": c.display_name,
        "givenName": c.given,
        "initials": None,
        "middleName": None,
        "nickName": None,
        "surname": c.surname,
        "title": None,
        "jobTitle": c.job_title or None,
        "companyName": c.company or None,
        "department": None,
        "officeLocation": None,
        "profession": None,
        "businessHomePage": None,
        "mobilePhone": None,
        "homePhones": [],
        "businessPhones": [],
        "personalNotes": "",
        "emailAddresses": [{"name": c.display_name, "address": c.email}],
    }


def _directory_json(user: User) -> dict[str, Any]:
    body = user_json(user)
    if user.external:  # a guest's sign-in name, as Entra ID makes it
        body["userPrincipalName"] = user.mail.replace("@", "_") + f"#EXT#@{TENANT_DOMAIN}"
    return body


def _person(item_id: str, name: str, email: str, job: str, company: str, subclass: str, rank: int) -> dict[str, Any]:
    first, _, last = name.partition(" ")
    return {
        "id": item_id,
        "displayName": name,
        "givenName": first,
        "surname": last,
        "birthday": "",
        "personNotes": "",
        "isFavorite": False,
        "jobTitle": job or None,
        "companyName": company or None,
        "yomiCompany": "",
        "department": None,
        "officeLocation": None,
        "profession": "",
        "userPrincipalName": email if subclass == "OrganizationUser" else "",
        "imAddress": None,
        "scoredEmailAddresses": [
            {"address": email, "relevanceScore": float(20 - rank), "selectionLikelihood": "notSpecified"}
        ],
        "phones": [],
        "postalAddresses": [],
        "websites": [],
        "personType": {"class": "Person", "subclass": subclass},
    }


def relevant(user: User) -> list[dict[str, Any]]:
    """The person's contacts, then their colleagues, once per address, ranked in that order."""
    found: dict[str, dict[str, Any]] = {}
    for c in seed.CONTACTS.get(user.id, ()):
        member = by_email(c.email) is not None or any(u.mail == c.email for u in seed.COLLEAGUES)
        subclass = "OrganizationUser" if member and c.email.endswith("@" + TENANT_DOMAIN) else "PersonalContact"
        found.setdefault(c.email, _person(c.id, c.display_name, c.email, c.job_title, c.company, subclass, len(found)))
    for u in seed.DIRECTORY:
        if u.id != user.id and not u.external:
            found.setdefault(
                u.mail, _person(u.id, u.display_name, u.mail, u.job_title, "Contoso", "OrganizationUser", len(found))
            )
    return list(found.values())


def _searched(items: list[dict[str, Any]], raw: str | None, texts: Any) -> list[dict[str, Any]]:
    if raw is None:
        return items
    groups = search_terms(raw)
    return [i for i in items if any(all(any(prefix_match(t, term) for t in texts(i)) for term in g) for g in groups)]


def _next(request: Request, changed: dict[str, str]) -> str:
    """The next page's URL, spelled as Graph spells it (``$skip``, quotes and colons left as they are)."""
    params = dict(request.query_params) | changed
    return str(request.url.replace(query="")).rstrip("?") + "?" + urlencode(params, quote_via=quote, safe="$'(),:")


def _page(request: Request, items: list[dict[str, Any]], default: int, context: str) -> dict[str, Any]:
    options = query_options(request)
    skip_raw = request.query_params.get("$skip", "0")
    if not skip_raw.isdigit():
        raise GraphError(400, "BadRequest", f"Invalid value '{skip_raw}' for $skip.")
    skip, top = int(skip_raw), options.top or default
    body: dict[str, Any] = {"@odata.context": context}
    body["value"] = [apply_select(i, options.select) for i in items[skip : skip + top]]
    if skip + top < len(items):
        body["@odata.nextLink"] = _next(request, {"$skip": str(skip + top)})
    return body


def contacts(request: Request, who: Principal, owner: User, item: str | None, base: str) -> Response:
    _allowed(request, who, CONTACTS, "Contacts.Read")
    items = [contact_json(c) for c in seed.CONTACTS.get(owner.id, ())]
    context = f"{base}/$metadata#users('{owner.id}')/contacts"
    if item is not None:
        found = next((i for i in items if i["id"] == item), None)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return JSONResponse(
            {"@odata.context": context + "/$entity"} | apply_select(found, query_options(request).select)
        )
    raw_filter = request.query_params.get("$filter")
    if raw_filter is not None:
        test = parse_filter(raw_filter, {"displayName", "givenName", "surname", "companyName", "fileAs"})
        items = [i for i in items if test(i)]
    texts = lambda i: [i["displayName"], i["givenName"], i["surname"], *(e["address"] for e in i["emailAddresses"])]  # noqa: E731
    items = _searched(items, request.query_params.get("$search"), texts)
    return JSONResponse(_page(request, items, 10, context))


def people(request: Request, who: Principal, owner: User, base: str) -> Response:
    _allowed(request, who, PEOPLE, "People.Read")
    texts = lambda i: [i["displayName"], *(e["address"] for e in i["scoredEmailAddresses"])]  # noqa: E731
    items = _searched(relevant(owner), request.query_params.get("$search"), texts)
    return JSONResponse(_page(request, items, 10, f"{base}/$metadata#users('{owner.id}')/people"))


def directory(request: Request, who: Principal, base: str) -> Response:
    _allowed(request, who, DIRECTORY, "User.ReadBasic.All")
    eventual = request.headers.get("consistencylevel", "").lower() == "eventual"
    raw_search = request.query_params.get("$search")
    counted = request.query_params.get("$count", "").lower() == "true"
    if (raw_search is not None or counted) and not eventual:
        what = "$search" if raw_search is not None else "$count"
        raise GraphError(
            400,
            "Request_UnsupportedQuery",
            f"Request with {what} query parameter only works through MSGraph with a special request header: "
            "'ConsistencyLevel: eventual'",
        )
    items = [_directory_json(u) for u in seed.DIRECTORY]
    raw_filter = request.query_params.get("$filter")
    if raw_filter is not None:
        items = [i for i in items if parse_filter(raw_filter, USER_SEARCH)(i)]
    if raw_search is not None:
        groups = [[_property_term(t) for t in g] for g in search_terms(raw_search)]
        items = [i for i in items if any(all(prefix_match(str(i.get(p) or ""), v) for p, v in g) for g in groups)]
    options = query_options(request)
    top = options.top or 100
    if top > 999:
        raise GraphError(400, "Request_BadRequest", "Invalid page size specified: '1000'. Must be between 1 and 999.")
    start = 0
    if options.skiptoken:
        saved = decode_cursor(options.skiptoken)
        if saved is None or not isinstance(saved.get("at"), int):
            raise GraphError(400, "Directory_ExpiredPageToken", "The specified page token value has expired.")
        start = saved["at"]
    body: dict[str, Any] = {"@odata.context": f"{base}/$metadata#users"}
    if counted:
        body["@odata.count"] = len(items)
    body["value"] = [apply_select(i, options.select) for i in items[start : start + top]]
    if start + top < len(items):
        body["@odata.nextLink"] = _next(request, {"$skiptoken": encode_cursor({"at": start + top})})
    return JSONResponse(body)


def _property_term(term: str) -> tuple[str, str]:
    prop, colon, value = term.partition(":")
    if not colon:
        raise GraphError(
            400,
            "Request_UnsupportedQuery",
            f"Unsupported or invalid query filter clause specified for property '{term}' of resource 'User'.",
        )
    if prop not in USER_SEARCH:
        raise GraphError(400, "Request_UnsupportedQuery", f"Property '{prop}' is not supported for search.")
    return prop, value


def dispatch(request: Request, path: str) -> Response | None:
    """Answer a people request below /v1.0; ``None`` if ``path`` is not one."""
    parts = [p for p in path.split("/") if p]
    if parts == ["users"]:
        if request.method != "GET":
            return None
        return directory(request, principal(request), str(request.base_url).rstrip("/") + "/v1.0")
    if parts[:1] == ["me"]:
        key, rest = None, parts[1:]
    elif parts[:1] == ["users"] and len(parts) > 2:
        key, rest = parts[1], parts[2:]
    else:
        return None
    if not rest or rest[0] not in ("contacts", "people") or len(rest) > 2 or (rest[0] == "people" and len(rest) > 1):
        return None
    if request.method != "GET":
        raise GraphError(405, "ErrorInvalidRequest", f"The {request.method} method is not supported here.")
    who = principal(request)
    owner = _owner(request, who, key)
    base = str(request.base_url).rstrip("/") + "/v1.0"
    if rest[0] == "people":
        return people(request, who, owner, base)
    return contacts(request, who, owner, rest[1] if len(rest) > 1 else None, base)
