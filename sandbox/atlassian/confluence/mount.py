"""Mounting the Confluence emulator on the Atlassian site app.

* ``/wiki/...``, ``/ex/confluence/{cloudId}/wiki/...`` and ``/ex/confluence/{cloudId}/...`` (the gateway without
  ``/wiki``) go to a Starlette sub-app (its own 404/405 shapes).
* The sandbox middleware (faults, rate limits, request log, latency) is shared with Jira — one
  :class:`SandboxState`, so one control API — but Confluence requests run through a middleware instance with
  Confluence hooks: ``RateLimit-Reason: confluence-burst-based``, v1/v2 error bodies.
"""

from __future__ import annotations

import contextvars
import json
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Mount

from ...common.app import SandboxApp
from ...common.middleware import Hooks, SandboxMiddleware, _send_simple, default_template
from ..jira import catalog as JC
from . import routes_users, routes_v1, routes_v2
from .http import v1_body, v2_body
from .site import ConfluenceSite

_current_path: contextvars.ContextVar[str] = contextvars.ContextVar("confluence_path", default="")


def is_confluence_path(path: str) -> bool:
    return path == "/wiki" or path.startswith("/wiki/") or path.startswith("/ex/confluence/")


def _strip(path: str) -> str:
    """The site-relative path: gateway prefix removed, ``/wiki`` restored when the gateway call left it out."""
    if path.startswith("/ex/confluence/"):
        rest = "/" + "/".join(path.split("/")[4:])
        return rest if rest == "/wiki" or rest.startswith("/wiki/") else "/wiki" + rest
    return path


def _is_v2(path: str) -> bool:
    return _strip(path).startswith("/wiki/api/v2")


def _body(status: int, message: str) -> bytes:
    if _is_v2(_current_path.get()):
        return json.dumps(v2_body(status)).encode()
    return json.dumps(v1_body(status, message)).encode()


_MESSAGES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable. Please try again later.",
    504: "Gateway timeout",
    429: "Rate limit exceeded",
}


def _error_body(status: int):
    return _body(status, _MESSAGES.get(status, f"HTTP {status}")), "application/json"


def _expired():
    return 401, [("WWW-Authenticate", 'Basic realm="protected-by-api-token"')], _body(401, "API token has expired")


def _tenant(scope) -> str:
    path = scope["path"]
    if path.startswith("/ex/confluence/"):
        return path.split("/")[3]
    return JC.CLOUD_ID


def _template(scope) -> str:
    return default_template({**scope, "path": _strip(scope["path"])})


def hooks(on_reset) -> Hooks:
    return Hooks(
        tenant_for=_tenant,
        template_for=_template,
        error_body=_error_body,
        expired_credentials=_expired,
        rate_limit_reason="confluence-burst-based",
        on_reset=on_reset,
    )


class ConfluenceMiddleware(SandboxMiddleware):
    async def __call__(self, scope, receive, send):
        token = _current_path.set(scope.get("path", ""))
        try:
            return await super().__call__(scope, receive, send)
        finally:
            _current_path.reset(token)

    async def _send_429(self, send, limit: int, retry_after: int, reset_epoch: float) -> None:
        reset = datetime.fromtimestamp(reset_epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        await _send_simple(
            send,
            429,
            _body(429, "Rate limit exceeded"),
            headers=[
                ("Retry-After", str(retry_after)),
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset),
                ("RateLimit-Reason", self.hooks.rate_limit_reason),
                ("X-RateLimit-NearLimit", "true"),
            ],
        )


async def _http_error(request: Request, exc: Exception):
    from starlette.responses import JSONResponse

    if not isinstance(exc, HTTPException):  # registered for HTTPException only
        raise exc

    path = request.url.path
    if _is_v2(path):
        return JSONResponse(v2_body(exc.status_code), status_code=exc.status_code)
    msg = f"null for uri: {request.url}" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse(v1_body(exc.status_code, msg), status_code=exc.status_code)


def confluence_app(site: ConfluenceSite) -> Starlette:
    app = Starlette(
        routes=routes_users.ROUTES + routes_v2.ROUTES + routes_v1.ROUTES,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.confluence = site
    return app


def routes(site: ConfluenceSite) -> list:
    sub = confluence_app(site)
    # The gateway serves Confluence with or without the `/wiki` segment
    # (`…/ex/confluence/{cloudId}/rest/api/search` is what atlassian-python-api builds for OAuth clients).
    return [
        Mount("/wiki", app=sub),
        Mount("/ex/confluence/{cloudId}/wiki", app=sub),
        Mount("/ex/confluence/{cloudId}", app=sub),
    ]


class AtlassianSiteApp(SandboxApp):
    """SandboxApp whose middleware dispatches Confluence paths to a Confluence-flavoured middleware instance."""

    def __init__(self, *args, confluence_hooks: Hooks, **kw):
        self.confluence_hooks = confluence_hooks
        super().__init__(*args, **kw)

    def build_middleware_stack(self):
        inner = Starlette.build_middleware_stack(self)
        jira = SandboxMiddleware(inner, self.sandbox_state, self.sandbox_hooks)
        conf = ConfluenceMiddleware(inner, self.sandbox_state, self.confluence_hooks)

        async def dispatch(scope, receive, send):
            if scope["type"] == "http" and is_confluence_path(scope["path"]):
                return await conf(scope, receive, send)
            return await jira(scope, receive, send)

        return dispatch
