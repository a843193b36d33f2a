"""Graph's directory basics: ``/me`` and ``/users/{id | userPrincipalName}``."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .drive.render import user_json
from .graph import GraphError, apply_select, principal, query_options
from .users import User, by_email, by_id


def dispatch(request: Request, path: str) -> Response | None:
    if request.method != "GET":
        return None
    match = re.match(r"^/(?:(me)|users/([^/]+))$", path)
    if match is None:
        return None
    who = principal(request)
    base = str(request.base_url).rstrip("/") + "/v1.0"
    user: User | None
    if match.group(1):
        if who.user is None:
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        user = who.user
    else:
        key = match.group(2)
        user = by_id(key) or by_email(key)
        if user is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
            )
    body = {"@odata.context": f"{base}/$metadata#users/$entity", **user_json(user)}
    return JSONResponse(apply_select(body, query_options(request).select))
