"""Request plumbing shared by the Jira route modules: auth, versions, base URLs, errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Protocol

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import users as U
from ..auth import SCOPE_MISMATCH, ScopeMismatch, caller
from ..permissions import can_browse_project
from . import catalog as C
from .jql.ast import JQLError
from .store import Store
from .writes import WriteError


class HasStore(Protocol):
    """A site (JiraSite, ConfluenceSite...) as the handlers see it: its current store."""

    store: Store


AUTH_REQUIRED = "Client must be authenticated to access this resource."
ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."


class IssueKeyConvertor(Convertor):
    """``{key:issuekey}``: any path segment except the names of sibling resources under ``/issue/``, so that
    ``/issue/createmeta`` or ``/issue/picker`` is never read as an issue key (Cloud routes them separately)."""

    RESERVED = (
        "createmeta",
        "picker",
        "bulk",
        "bulkfetch",
        "archive",
        "unarchive",
        "properties",
        "watching",
        "limit",
        "events",
        "notify",
        "export",
        "updateMeta",
        "fields",
    )
    regex = r"(?!(?:" + "|".join(RESERVED) + r")(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("issuekey", IssueKeyConvertor())


class ApiError(Exception):
    def __init__(self, status: int, messages: list[str] | None = None, errors: dict | None = None):
        super().__init__(f"{status} {messages} {errors}")
        self.status, self.messages, self.errors = status, messages or [], errors or {}


def error(status: int, *messages: str, errors: dict | None = None) -> JSONResponse:
    return JSONResponse({"errorMessages": list(messages), "errors": errors or {}}, status_code=status)


def unauthorized() -> JSONResponse:
    resp = error(401, AUTH_REQUIRED)
    resp.headers["WWW-Authenticate"] = 'Basic realm="protected-by-api-token"'
    return resp


@dataclass
class Ctx:
    request: Request
    user: U.User
    version: int
    site: HasStore

    @property
    def store(self) -> Store:
        return self.site.store

    @property
    def now(self) -> datetime:
        return self.site.store.clock.now()

    @property
    def base(self) -> str:
        base = str(self.request.base_url).rstrip("/")
        cloud = self.request.path_params.get("cloudId")
        return f"{base}/ex/jira/{cloud}" if cloud else base

    @property
    def q(self):
        return self.request.query_params

    def int_param(self, name: str, default: int, *, lo: int = 0, hi: int | None = None) -> int:
        raw = self.q.get(name)
        if raw in (None, ""):
            return default
        try:
            v = int(raw)
        except ValueError:
            raise ApiError(400, [f"The '{name}' parameter must be an integer."]) from None
        v = max(lo, v)
        return min(v, hi) if hi is not None else v

    async def body(self) -> dict:
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(400, ["Unexpected character in the request body: not valid JSON."]) from None
        if not isinstance(data, dict):
            raise ApiError(400, ["The request body must be a JSON object."])
        return data


def endpoint(*, versioned: bool = True):
    def deco(fn):
        @wraps(fn)
        async def handler(request: Request) -> Response:
            version = 3
            if versioned:
                ver = request.path_params.get("ver")
                if ver not in ("2", "3", "latest"):
                    return JSONResponse(
                        {"message": f"null for uri: {request.url}", "status-code": 404}, status_code=404
                    )
                version = 2 if ver == "2" else 3
            try:
                user = caller(request, getattr(request.app.state.jira, "grants", None))
            except ScopeMismatch:
                return JSONResponse(SCOPE_MISMATCH, status_code=401)
            if user is None:
                return unauthorized()
            request.state.sandbox_account = user.account_id
            ctx = Ctx(request, user, version, request.app.state.jira)
            try:
                with ctx.store.lock:
                    return await fn(ctx)
            except ApiError as exc:
                return error(exc.status, *exc.messages, errors=exc.errors)
            except WriteError as exc:
                return error(exc.status, *exc.messages, errors=exc.errors)
            except JQLError as exc:
                return error(400, str(exc))

        return handler

    return deco


def visible_issue(ctx: Ctx, id_or_key):
    """The issue if it exists and the caller may browse its project (hidden ones look missing)."""
    issue = ctx.store.get(id_or_key)
    return issue if issue is not None and can_browse_project(ctx.user.account_id, issue.project_key) else None


def visible_project(ctx: Ctx, id_or_key) -> C.Project | None:
    p = C.project(id_or_key)
    return p if p is not None and can_browse_project(ctx.user.account_id, p.key) else None


def get_issue_or_404(ctx: Ctx, id_or_key: str):
    issue = visible_issue(ctx, id_or_key)
    if issue is None:
        raise ApiError(404, [ISSUE_NOT_FOUND])
    return issue


def csv(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list):
        value = ",".join(map(str, value))
    return {p.strip() for p in str(value).split(",") if p.strip()}
