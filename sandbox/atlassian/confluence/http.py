"""Request plumbing for the Confluence routes: auth, base URLs, v1/v2 error shapes, cursors."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import users as U
from ..auth import SCOPE_MISMATCH, ScopeMismatch, caller
from .cql.ast import CQLError
from .store import Store


class HasStore(Protocol):
    """A site (JiraSite, ConfluenceSite...) as the handlers see it: its current store."""

    store: Store


V2_CODES = {
    400: ("INVALID_REQUEST_PARAMETER", "Bad Request"),
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not Found"),
    405: ("METHOD_NOT_ALLOWED", "Method Not Allowed"),
    409: ("CONFLICT", "Conflict"),
    410: ("GONE", "Gone"),
    413: ("REQUEST_ENTITY_TOO_LARGE", "Request Entity Too Large"),
    429: ("TOO_MANY_REQUESTS", "Too Many Requests"),
    500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"),
    502: ("BAD_GATEWAY", "Bad Gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable"),
    504: ("GATEWAY_TIMEOUT", "Gateway Timeout"),
}
V1_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
GONE = "com.atlassian.confluence.api.service.exceptions.GoneException: This deprecated endpoint has been removed."


class ApiError(Exception):
    def __init__(self, status: int, title: str | None = None, detail: str | None = None, code: str | None = None):
        super().__init__(f"{status} {title}")
        self.status, self.title, self.detail, self.code = status, title, detail, code


def v2_body(status: int, title: str | None = None, detail: str | None = None, code: str | None = None) -> dict:
    c, t = V2_CODES.get(status, ("ERROR", f"HTTP {status}"))
    return {"errors": [{"status": status, "code": code or c, "title": title or t, "detail": detail}]}


def v1_body(status: int, message: str) -> dict:
    return {
        "statusCode": status,
        "data": {"authorized": status not in (401, 403), "valid": True, "errors": [], "successful": False},
        "message": message,
        "reason": V1_REASONS.get(status, "Error"),
    }


def v2_error(status: int, title: str | None = None, detail: str | None = None, code: str | None = None) -> JSONResponse:
    return JSONResponse(v2_body(status, title, detail, code), status_code=status)


def v1_error(status: int, message: str) -> JSONResponse:
    return JSONResponse(v1_body(status, message), status_code=status)


def _unauthorized(api: str) -> Response:
    resp = (
        v2_error(401, "Unauthorized")
        if api == "v2"
        else v1_error(401, "Client must be authenticated to access this resource.")
    )
    resp.headers["WWW-Authenticate"] = 'Basic realm="protected-by-api-token"'
    return resp


def iso(dt: datetime | None) -> str | None:
    """Confluence timestamps: ``2026-11-20T12:00:00.000Z``."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass
class Ctx:
    request: Request
    user: U.User
    site: HasStore
    api: str  # v1 | v2

    @property
    def store(self) -> Store:
        return self.site.store

    @property
    def now(self) -> datetime:
        return self.store.clock.now()

    @property
    def prefix(self) -> str:
        """Path prefix of the site: '' or '/ex/confluence/{cloudId}'."""
        cloud = self.request.path_params.get("cloudId")
        return f"/ex/confluence/{cloud}" if cloud else ""

    @property
    def base(self) -> str:
        """Absolute wiki base, e.g. http://127.0.0.1:PORT/wiki (or …/ex/confluence/{cloudId}/wiki)."""
        return str(self.request.base_url).rstrip("/") + self.prefix + "/wiki"

    @property
    def host(self) -> str:
        return str(self.request.base_url).rstrip("/")

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
            raise ApiError(
                400, f"Provided value {{{raw}}} for '{name}' is not the correct type. Expected type is Integer"
            ) from None
        if v < lo:
            if self.api == "v2":
                raise ApiError(400, f"'{name}' must be greater than or equal to {lo}")
            v = lo
        return min(v, hi) if hi is not None else v

    async def body(self):
        raw = await self.request.body()
        if not raw.strip():
            raise ApiError(400, "Request body is missing or empty")
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Unrecognized token: the request body is not valid JSON") from None


def endpoint(api: str = "v2"):
    def deco(fn):
        @wraps(fn)
        async def handler(request: Request) -> Response:
            try:
                user = caller(request, getattr(request.app.state.confluence, "grants", None))
            except ScopeMismatch:
                return JSONResponse(SCOPE_MISMATCH, status_code=401)
            if user is None:
                return _unauthorized(api)
            request.state.sandbox_account = user.account_id
            ctx = Ctx(request, user, request.app.state.confluence, api)
            try:
                with ctx.store.lock:
                    return await fn(ctx)
            except ApiError as exc:
                if api == "v2":
                    return v2_error(exc.status, exc.title, exc.detail, exc.code)
                return v1_error(exc.status, exc.title or V1_REASONS.get(exc.status, "Error"))
            except CQLError as exc:
                return v1_error(400, exc.message)

        return handler

    return deco


# ---------------------------------------------------------------- cursors
def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def _unb64(tok: str):
    return json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))


def encode_cursor(key: list, scope: str) -> str:
    return _b64({"k": key, "s": zlib.crc32(scope.encode())})


def decode_cursor(tok: str, scope: str) -> list:
    try:
        data = _unb64(tok)
        key = data["k"]
        ok = data.get("s") == zlib.crc32(scope.encode())
    except Exception:
        ok, key = False, None
    if not ok:
        raise ApiError(400, "Invalid cursor", code="INVALID_REQUEST_PARAMETER")
    return key


def _jsonable(v):
    if isinstance(v, datetime):
        return iso(v)
    return v


def paginate(
    ctx: Ctx, items: list, key_fn, *, descending: bool, limit: int, scope: str, path: str, params: dict
) -> tuple[list, dict, dict]:
    """Keyset paging over ``items`` (already sorted). Returns (page, _links, headers)."""
    cursor = ctx.q.get("cursor")
    if cursor:
        last = decode_cursor(cursor, scope)
        if descending:
            items = [i for i in items if [_jsonable(x) for x in key_fn(i)] < last]
        else:
            items = [i for i in items if [_jsonable(x) for x in key_fn(i)] > last]
    page = items[:limit]
    links: dict = {"base": ctx.base}
    headers: dict = {}
    if len(items) > limit and page:
        nxt = encode_cursor([_jsonable(x) for x in key_fn(page[-1])], scope)
        q = {k: v for k, v in params.items() if v not in (None, "")}
        q["cursor"] = nxt
        rel = f"/wiki{path}?{urlencode(q)}"
        links = {"next": rel, "base": ctx.base}
        headers["Link"] = f'<{rel}>; rel="next", <{ctx.base}>; rel="base"'
    return page, links, headers
