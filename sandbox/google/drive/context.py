"""Per-request plumbing shared by the Drive routes: bearer auth, scopes, parameters, file lookup, errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import GoogleError, error_response, file_not_found, insufficient_permissions, invalid_value
from ..identity import bearer, require_scope
from ..tokens import TokenStore
from . import bodies
from .fields import select
from .model import DriveFile
from .resource import wants_content
from .store import DriveStore

DRIVE = "https://www.googleapis.com/auth/drive"
READ_SCOPES = (DRIVE, DRIVE + ".readonly", DRIVE + ".file", DRIVE + ".metadata", DRIVE + ".metadata.readonly")
WRITE_SCOPES = (DRIVE, DRIVE + ".file")


@dataclass
class Ctx:
    request: Request
    store: DriveStore
    viewer: str  # the caller's e-mail
    base_url: str

    @property
    def content(self) -> bool:
        """Whether rendered files need their bytes (size, checksums) for this request's ``fields``."""
        return wants_content(self.param("fields"))

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise invalid_value(
                name, f"Invalid value '{raw}'. Values must match the following regular expression: '(?i)(true|false)'"
            )
        return raw.lower() == "true"

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid_value(name, f"Invalid value '{raw}'. Values must be integers.") from None
        if value < low or (high is not None and value > high):
            raise invalid_value(name, f"Invalid value '{value}'. Values must be within the range: [{low}, {high}]")
        return value

    async def json_body(self, schema: str | None = None) -> dict:
        """The JSON object sent; with ``schema`` (a discovery schema name), type-checked against it."""
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise GoogleError(400, "Invalid JSON payload received.", "parseError", location="body") from None
        if not isinstance(body, dict):
            raise GoogleError(400, "Invalid JSON payload received. Expected an object.", "parseError")
        if schema:
            bodies.check(body, schema, schema[0].lower() + schema[1:])
        return body

    def file(self, file_id: str, *, write: bool = False) -> DriveFile:
        """The file as the caller may see it: 404 when missing, hidden, or in a shared drive without
        ``supportsAllDrives=true``; 403 when ``write`` is asked of a reader."""
        if file_id == "root":
            file_id = self.store.roots.get(self.viewer, "")
        f = self.store.files.get(file_id)
        role = self.store.role(f, self.viewer) if f is not None else None
        if (
            f is None
            or role is None
            or (f.drive_id and not self.flag("supportsAllDrives") and not self.flag("supportsTeamDrives"))
        ):
            raise file_not_found(file_id)
        if write and role not in ("owner", "organizer", "fileOrganizer", "writer"):
            raise insufficient_permissions()
        return f

    def respond(self, value: dict, default_fields: str, schema: str, status: int = 200) -> JSONResponse:
        return JSONResponse(select(value, self.param("fields"), default_fields, schema), status_code=status)


Handler = Callable[[Ctx], Awaitable[Response]]


def drive_endpoint(
    store: DriveStore, tokens: TokenStore, *, write: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: authenticate the bearer token, check scopes, render GoogleError as Google's JSON."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                token = bearer(tokens, request.headers.get("authorization"))
                require_scope(token, WRITE_SCOPES if write else READ_SCOPES)
                request.scope.setdefault("state", {})["google_user"] = token.user.email
                base = str(request.base_url).rstrip("/")
                return await handler(Ctx(request, store, token.user.email, base))
            except GoogleError as exc:
                return error_response(exc)

        return endpoint

    return wrap
