"""Who is calling: static credentials (``users.authenticate``) or an access token issued by the sandbox's
identity provider, which, like every 3LO token, is accepted only on the gateway paths and only for what its scopes
cover (classic or granular): reading Jira needs a Jira read scope, writing a Jira write scope, same for Confluence."""

from __future__ import annotations

from starlette.requests import Request

from . import users as U
from .oauth_grants import GrantStore

SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}
# POSTs that only read (searches and bulk look-ups)
_READ_POSTS = ("/search/jql", "/search/approximate-count", "/changelog/bulkfetch", "/users-bulk")


class ScopeMismatch(Exception):
    """The issued token is valid but its scopes do not cover this call: 401 ``SCOPE_MISMATCH``."""


def _covers(scopes: tuple[str, ...], product: str, write: bool) -> bool:
    verbs = ("write", "delete", "manage") if write else ("read", "search", "manage")
    for scope in scopes:
        verb, _, rest = scope.partition(":")
        if verb in verbs and product in rest:
            return True
    return False


def caller(request: Request, grants: GrantStore | None) -> U.User | None:
    header = request.headers.get("authorization")
    gateway = "cloudId" in request.path_params
    user = U.authenticate(header, gateway=gateway)
    if user is not None or not gateway or grants is None:
        return user
    scheme, _, token = (header or "").partition(" ")
    found = grants.lookup(token.strip()) if scheme.lower() == "bearer" else None
    user = grants.user_for(token.strip()) if found is not None else None
    if found is None or user is None:
        return None
    path = request.url.path
    product = "confluence" if path.startswith("/ex/confluence/") else "jira"
    write = request.method not in ("GET", "HEAD", "OPTIONS") and not path.endswith(_READ_POSTS)
    if not _covers(found.grant.scopes, product, write):
        raise ScopeMismatch()
    return user
