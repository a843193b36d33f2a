"""Atlassian Cloud site emulator (Jira platform v2/v3 + Agile 1.0, Confluence v2 + v1 search) as a Starlette app."""

from __future__ import annotations

import json
from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from ..common.app import SandboxApp
from ..common.middleware import Hooks, SandboxState, default_template
from . import clock, oauth_routes
from .confluence import mount as confluence
from .confluence.site import ConfluenceSite
from .jira import catalog as C
from .jira import routes_agile, routes_issue_resources, routes_issues, routes_meta, routes_projects
from .jira.site import JiraSite
from .oauth_grants import GrantStore


async def tenant_info(request: Request):
    return JSONResponse({"cloudId": C.CLOUD_ID})


async def _not_found(request: Request, exc: HTTPException):
    if exc.status_code == 405:
        return JSONResponse(
            {"errorMessages": [f"Method {request.method} not allowed for {request.url.path}."], "errors": {}},
            status_code=405,
        )
    if exc.status_code == 404:
        # Jersey's answer for a path no resource serves (Jira keeps it: not the errorMessages shape)
        return JSONResponse({"message": f"null for uri: {request.url}", "status-code": 404}, status_code=404)
    return JSONResponse({"errorMessages": [str(exc.detail)], "errors": {}}, status_code=exc.status_code)


def _jira_routes() -> list:
    return (
        routes_projects.ROUTES
        + routes_meta.ROUTES
        + routes_issues.ROUTES
        + routes_issue_resources.ROUTES
        + routes_issues.ROUTES_LATE
        + routes_agile.ROUTES
    )


def _tenant(scope) -> str:
    path = scope["path"]
    if path.startswith("/ex/jira/"):
        return path.split("/")[3]
    return C.CLOUD_ID


def _template(scope) -> str:
    path = scope["path"]
    if path.startswith("/ex/jira/"):
        scope = {**scope, "path": "/" + "/".join(path.split("/")[4:])}
    return default_template(scope)


def _error_body(status: int):
    msgs = {
        500: "Internal server error.",
        502: "Bad gateway.",
        503: "Service unavailable. Please try again later.",
        504: "Gateway timeout.",
        429: "Rate limit exceeded.",
    }
    return json.dumps(
        {"errorMessages": [msgs.get(status, f"HTTP {status}")], "errors": {}}
    ).encode(), "application/json"


def _expired():
    body = json.dumps(
        {
            "errorMessages": ["Client must be authenticated to access this resource."],
            "errors": {},
            "message": "API token has expired",
        }
    ).encode()
    return 401, [("WWW-Authenticate", 'Basic realm="protected-by-api-token"')], body


def create_app(
    *, seed: int = 42, latency_ms: int = 0, rate_limits: bool | dict = True, now: datetime | None = None
) -> SandboxApp:
    """Build the emulator. ``rate_limits``: True (Jira defaults), False, or ``{"GET": n, "POST": n, "PUT": n}``."""
    site = JiraSite(seed=seed, now=now)
    wiki = ConfluenceSite(seed=seed, now=now)
    grants = GrantStore()
    site.grants = wiki.grants = grants  # tokens issued by the identity provider, read by both sites' auth

    def reset_all():
        site.reset()
        wiki.reset()
        grants.reset()

    state = SandboxState(latency_ms=latency_ms, rate_limits=rate_limits)
    hooks = Hooks(
        tenant_for=_tenant,
        template_for=_template,
        error_body=_error_body,
        expired_credentials=_expired,
        rate_limit_reason="jira-burst-based",
        on_reset=reset_all,
        extra_control=clock.control(lambda: (site.store.clock, wiki.store.clock), oauth_routes.control(grants)),
    )
    routes = (
        [Route("/_edge/tenant_info", tenant_info, methods=["GET"])]
        + oauth_routes.routes(grants)
        + confluence.routes(wiki)
        + _jira_routes()
        + [Mount("/ex/jira/{cloudId}", routes=_jira_routes())]
    )
    app = confluence.AtlassianSiteApp(
        routes=routes,
        exception_handlers={HTTPException: _not_found},
        sandbox_state=state,
        sandbox_hooks=hooks,
        confluence_hooks=confluence.hooks(reset_all),
    )
    app.state.jira = site
    app.state.confluence = wiki
    app.state.grants = grants
    return app
