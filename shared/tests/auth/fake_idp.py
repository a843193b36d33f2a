"""A tiny upstream identity provider for the broker tests: OAuth 2.0 code flow, rotating refresh tokens, /me.

It signs everyone in as the person named by `IdP.next_login` without asking (the browser part of a
real IdP is not what these tests are about), and checks what a real one checks: client credentials,
the redirect URI, single-use codes, refresh tokens that work once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID, CLIENT_SECRET = "broker-client", "broker-secret"


@dataclass
class IdP:
    next_login: str = "acc-alice"
    access_ttl: int = 3600
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (account, redirect_uri)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> account
    access_tokens: dict[str, str] = field(default_factory=dict)  # access token -> account
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    refreshes: int = 0
    refusal_status: int = 400  # Atlassian answers a refused refresh with 403
    has_me: bool = True  # the sandbox's Atlassian has no /me: identity then comes from Jira's /myself
    token_bodies: list[str] = field(default_factory=list)  # "form" or "json", per token request

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/oauth/token", self.token, methods=["POST"]),  # Atlassian's path (JSON bodies)
                Route("/me", self.me),
                Route("/oauth/token/accessible-resources", self.accessible_resources),
                Route("/ex/jira/{cloud_id}/rest/api/3/myself", self.jira_myself),
            ]
        )

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        if params.get("client_id") != CLIENT_ID:
            return JSONResponse({"error": "invalid_client"}, 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = (self.next_login, params["redirect_uri"])
        query = urlencode({"code": code, "state": params["state"]})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", 302)

    async def token(self, request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            form, kind = await request.json(), "json"
        else:
            form, kind = await request.form(), "form"
        self.token_bodies.append(kind)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "authorization_code":
            found = self.codes.pop(str(form.get("code")), None)
            if found is None or found[1] != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, 400)
            return self._issue(found[0])
        if form.get("grant_type") == "refresh_token":
            account = self.refresh_tokens.pop(str(form.get("refresh_token")), None)  # rotation: works once
            if account is None:
                return JSONResponse({"error": "invalid_grant"}, self.refusal_status)
            self.refreshes += 1
            return self._issue(account)
        return JSONResponse({"error": "unsupported_grant_type"}, 400)

    def _issue(self, account: str) -> Response:
        access, refresh = "up-at-" + secrets.token_urlsafe(8), "up-rt-" + secrets.token_urlsafe(8)
        self.access_tokens[access], self.refresh_tokens[refresh] = account, account
        body = {"access_token": access, "refresh_token": refresh, "expires_in": self.access_ttl, "token_type": "Bearer"}
        return JSONResponse({**body, "scope": "read:jira-work write:jira-work offline_access"})

    async def me(self, request: Request) -> Response:
        account = self.access_tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if not self.has_me:
            return JSONResponse({"error": "not found"}, 404)
        if account is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse(
            {"account_id": account, "name": account.removeprefix("acc-").title(), "email": "a@example.com"}
        )

    async def accessible_resources(self, request: Request) -> Response:
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.access_tokens:
            return JSONResponse({"error": "unauthorized"}, 401)
        sites = [
            {"id": "cloud-1", "name": "acme", "url": "https://acme.atlassian.net", "scopes": ["read:jira-work"]},
            {"id": "cloud-2", "name": "beta", "url": "https://beta.atlassian.net", "scopes": ["read:jira-work"]},
        ]
        return JSONResponse(sites)

    async def jira_myself(self, request: Request) -> Response:
        account = self.access_tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if account is None or request.path_params["cloud_id"] not in ("cloud-1", "cloud-2"):
            return JSONResponse({"errorMessages": ["unauthorized"]}, 401)
        return JSONResponse({"accountId": account, "displayName": "Alice Example", "emailAddress": "a@example.com"})

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def revoke_everything(self) -> None:
        self.refresh_tokens.clear()
        self.access_tokens.clear()
