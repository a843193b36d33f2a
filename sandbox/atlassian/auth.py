"""Who is calling: static credentials (``users.authenticate``) or an access token issued by the sandbox's
identity provider, which, like every 3LO token, is accepted only on the gateway paths."""

from __future__ import annotations

from starlette.requests import Request

from . import users as U
from .oauth_grants import GrantStore


def caller(request: Request, grants: GrantStore | None) -> U.User | None:
    header = request.headers.get("authorization")
    gateway = "cloudId" in request.path_params
    user = U.authenticate(header, gateway=gateway)
    if user is not None or not gateway or grants is None:
        return user
    scheme, _, token = (header or "").partition(" ")
    return grants.user_for(token.strip()) if scheme.lower() == "bearer" else None
