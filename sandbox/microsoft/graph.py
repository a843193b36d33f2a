"""What every Graph workload of the emulator shares: error bodies, who is calling, OData query options, paging.

Drive (``drive/``) uses it today; Outlook mail (``mail/``) should too.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .tokens import GRAPH_APP_ID, TokenError, Tokens
from .users import APP_SCOPES, CONNECTOR_APP, GRAPH_AUDIENCE, TENANT_ID, User, by_demo_token, by_id

GRAPH_PREFIX = "/v1.0"
READ_SCOPES = {
    "Files.Read",
    "Files.Read.All",
    "Files.ReadWrite",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.FullControl.All",
}
WRITE_SCOPES = {"Files.ReadWrite", "Files.ReadWrite.All", "Sites.ReadWrite.All", "Sites.FullControl.All"}


class GraphError(Exception):
    """Raised by handlers; rendered as Graph's ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error_body(code: str, message: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    request_id = str(uuid.uuid4())
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": now, "request-id": request_id, "client-request-id": request_id},
        }
    }


def error_response(exc: GraphError) -> JSONResponse:
    headers = {"request-id": str(uuid.uuid4()), **exc.headers}
    return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status, headers=headers)


def not_found(what: str = "The resource could not be found.") -> GraphError:
    return GraphError(404, "itemNotFound", what)


def bad_request(message: str) -> GraphError:
    return GraphError(400, "invalidRequest", message)


# ---------------------------------------------------------------------- who is calling
@dataclass(frozen=True)
class Principal:
    app_id: str
    user: User | None  # None: an app-only (client credentials) token
    scopes: frozenset[str]
    roles: frozenset[str]

    def can_write(self) -> bool:
        return bool((self.scopes | self.roles) & WRITE_SCOPES)

    def can_read(self) -> bool:
        return bool((self.scopes | self.roles) & READ_SCOPES)

    @property
    def rate_key(self) -> str:
        return self.user.id if self.user else f"app:{self.app_id}"


_CHALLENGE = (
    f'Bearer realm="", authorization_uri="https://login.microsoftonline.com/{TENANT_ID}/oauth2/authorize", '
    f'client_id="{GRAPH_APP_ID}"'
)


def unauthenticated(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": _CHALLENGE})


def principal(request: Request) -> Principal:
    """The caller of a Graph request, from its bearer token (a JWT this sandbox issued, or a demo token)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise unauthenticated("Access token is empty.")
    raw = header[7:].strip()
    demo = by_demo_token(raw)
    if demo is not None:
        return Principal(CONNECTOR_APP.client_id, demo, frozenset(APP_SCOPES[CONNECTOR_APP.client_id]), frozenset())
    tokens: Tokens = request.app.state.tokens
    try:
        claims = tokens.verify(raw, audiences=(GRAPH_AUDIENCE, GRAPH_APP_ID))
    except TokenError as exc:
        raise unauthenticated(exc.message) from None
    user = by_id(claims.get("oid", "")) if "scp" in claims else None
    if "scp" in claims and user is None:
        raise unauthenticated("The token's user is not in this tenant.")
    return Principal(
        claims.get("appid", ""), user, frozenset(claims.get("scp", "").split()), frozenset(claims.get("roles", []))
    )


def _unverified_claims(header: str) -> dict[str, Any]:
    """The claims of a bearer token, read without verifying it (throttling runs before the app checks tokens)."""
    raw = header[7:].strip() if header.lower().startswith("bearer ") else ""
    demo = by_demo_token(raw)
    if demo is not None:
        return {"oid": demo.id, "appid": CONNECTOR_APP.client_id}
    try:
        payload = raw.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def rate_key_from_header(header: str) -> str:
    """Who a request counts against for per-user throttling (the app, for app-only tokens)."""
    claims = _unverified_claims(header)
    return str(claims.get("oid") or claims.get("appid") or "anonymous")


def app_key_from_header(header: str) -> str:
    """Which application a request counts against for resource-unit budgets."""
    claims = _unverified_claims(header)
    return str(claims.get("appid") or claims.get("azp") or "anonymous")


# ---------------------------------------------------------------------- OData query options
@dataclass(frozen=True)
class Query:
    select: tuple[str, ...] = ()
    expand: tuple[str, ...] = ()
    top: int | None = None
    skiptoken: str = ""


def query_options(request: Request) -> Query:
    q = request.query_params

    def names(key: str) -> tuple[str, ...]:
        """Comma-separated names; nested options such as ``children($select=id,name)`` keep only the name."""
        raw = q.get(key) or q.get(key.lstrip("$")) or ""
        parts, depth, current = [], 0, ""
        for char in raw + ",":
            depth += (char == "(") - (char == ")")
            if char == "," and depth == 0:
                parts.append(current.split("(")[0].strip())
                current = ""
            else:
                current += char
        return tuple(p for p in parts if p)

    top = q.get("$top") or q.get("top")
    if top is not None and (not top.isdigit() or int(top) < 1):
        raise bad_request(f"Invalid value '{top}' for $top: give a positive whole number.")
    return Query(
        select=names("$select"),
        expand=names("$expand"),
        top=int(top) if top else None,
        skiptoken=q.get("$skiptoken", ""),
    )


def apply_select(item: dict[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    if not select:
        return item
    keep = set(select)
    return {k: v for k, v in item.items() if k in keep or k.startswith("@odata")}


def encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
