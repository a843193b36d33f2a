"""HTTP face of the sandbox's Atlassian identity provider, on the site's own host, under the paths of
``auth.atlassian.com`` and ``api.atlassian.com``:

* ``GET /authorize`` — sign-in and consent page; ``POST /authorize`` — its form (``email``, ``password``
  = ``password-<localpart>``, ``decision`` = ``allow``/``deny``), answered with a 302 to ``redirect_uri``.
* ``POST /oauth/token`` — ``authorization_code`` and ``refresh_token`` grants, JSON or form body.
* ``POST /oauth/revoke`` — revoke a grant by either of its tokens (client credentials required).
* ``GET /oauth/token/accessible-resources`` — the site a 3LO token reaches (static ``oauth-*`` tokens too).
* Control API (``/__sandbox/oauth/...``, see :func:`control`).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import users as U
from .consent_page import CARRIED, NO_STORE, consent_page, error_page
from .jira import catalog as C
from .oauth_grants import AUDIENCE, GrantStore, OAuthError, parse_scopes

# Scopes of the static ``oauth-<localpart>`` tokens: classic Jira and Confluence scopes, enough for every call.
STATIC_TOKEN_SCOPES = [
    "read:jira-work",
    "write:jira-work",
    "read:jira-user",
    "manage:jira-project",
    "read:confluence-content.all",
    "write:confluence-content",
    "search:confluence",
    "read:confluence-space.summary",
    "read:confluence-user",
    "offline_access",
]


def _redirect(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{query}", status_code=302, headers=NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    """A JSON object or a form-encoded body, as Atlassian's token endpoint accepts both."""
    raw = (await request.body()).decode("utf-8", "replace")
    if "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            raise OAuthError(400, "invalid_request", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise OAuthError(400, "invalid_request", "The request body must be a JSON object.")
        return {k: str(v) for k, v in data.items() if v is not None}
    return dict(parse_qsl(raw, keep_blank_values=True))


def routes(grants: GrantStore) -> list[Route]:
    def check(params: dict[str, str]):
        """(app, problem answer): an answer for requests that cannot go back to the app, else an OAuth error."""
        app = grants.app(params.get("client_id"))
        if app is None:
            return None, error_page(400, "invalid_client", "Unknown client_id: this app is not registered.")
        if not app.allows(params.get("redirect_uri", "")):
            return None, error_page(400, "invalid_redirect_uri", "redirect_uri is not one of the app's callback URLs.")
        if params.get("audience") != AUDIENCE:
            return app, _redirect(
                params["redirect_uri"],
                error="invalid_request",
                state=params.get("state"),
                error_description=f"audience must be {AUDIENCE}",
            )
        if params.get("response_type") != "code":
            return app, _redirect(
                params["redirect_uri"],
                error="unsupported_response_type",
                state=params.get("state"),
                error_description="Only response_type=code is supported.",
            )
        try:
            parse_scopes(params.get("scope"))
        except OAuthError as exc:
            return app, _redirect(
                params["redirect_uri"], error=exc.code, error_description=exc.description, state=params.get("state")
            )
        return app, None

    async def authorize_page(request: Request) -> Response:
        params = dict(request.query_params)
        app, problem = check(params)
        return problem or consent_page(params, app.name)

    async def authorize_submit(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        params = {k: form[k] for k in CARRIED if k in form}
        app, problem = check(params)
        if problem:
            return problem
        if form.get("decision") != "allow":
            return _redirect(
                params["redirect_uri"],
                error="access_denied",
                state=params.get("state"),
                error_description="The user declined to grant access.",
            )
        email = form.get("email", "").strip().lower()
        user = U.BY_EMAIL.get(email)
        if user is None or not user.active or form.get("password") != user.password:
            return consent_page(
                params, app.name, email=email, status=401, problem="Incorrect email address and / or password."
            )
        code = grants.issue_code(app, params["redirect_uri"], user, parse_scopes(params["scope"]))
        return _redirect(params["redirect_uri"], code=code, state=params.get("state"))

    async def token(request: Request) -> Response:
        try:
            form = await _form(request)
            app = grants.authenticate_client(form.get("client_id"), form.get("client_secret"))
            kind = form.get("grant_type")
            if kind == "authorization_code":
                out = grants.exchange_code(app, form.get("code"), form.get("redirect_uri"))
            elif kind == "refresh_token":
                out = grants.refresh_grant(app, form.get("refresh_token"))
            else:
                raise OAuthError(
                    400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token."
                )
        except OAuthError as exc:
            return JSONResponse(exc.to_json(), status_code=exc.status, headers=NO_STORE)
        return JSONResponse(out, headers=NO_STORE)

    async def revoke(request: Request) -> Response:
        try:
            form = await _form(request)
            app = grants.authenticate_client(form.get("client_id"), form.get("client_secret"))
        except OAuthError as exc:
            return JSONResponse(exc.to_json(), status_code=exc.status, headers=NO_STORE)
        grants.revoke_token(app, form.get("token", ""))
        return Response(status_code=200, headers=NO_STORE)

    async def accessible_resources(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        scopes = None
        if scheme.lower() == "bearer":
            found = grants.lookup(token)
            if found is not None:
                scopes = [s for s in found.grant.scopes if s != "offline_access"]
            elif token.startswith("oauth-") and U.authenticate(f"Bearer {token}", gateway=True):
                scopes = STATIC_TOKEN_SCOPES
        if scopes is None:
            return JSONResponse({"code": 401, "message": "Unauthorized"}, status_code=401)
        site = str(request.base_url).rstrip("/")
        return JSONResponse(
            [
                {
                    "id": C.CLOUD_ID,
                    "name": request.url.hostname or "sandbox",
                    "url": site,
                    "scopes": scopes,
                    "avatarUrl": f"{site}/images/site-avatar.png",
                }
            ]
        )

    return [
        Route("/authorize", authorize_page, methods=["GET"]),
        Route("/authorize", authorize_submit, methods=["POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/oauth/token/accessible-resources", accessible_resources, methods=["GET"]),
    ]


def _account(ref) -> str:
    u = U.BY_EMAIL.get(str(ref).lower()) or U.BY_ACCOUNT_ID.get(str(ref)) or U.BY_LOCALPART.get(str(ref))
    if u is None:
        raise ValueError(f"unknown user {ref!r}: give an e-mail address, accountId or localpart")
    return u.account_id


def control(grants: GrantStore):
    """``/__sandbox/oauth/...`` control calls, for the sandbox middleware's ``extra_control`` hook:

    * ``GET|POST oauth/config`` ``{access_token_lifetime: seconds}`` — lifetime of access tokens minted from now on.
    * ``POST oauth/expire`` ``{user?}`` — expire the access tokens already issued (all, or one user's).
    * ``POST oauth/revoke`` ``{user, client_id?}`` — revoke the user's grants (refresh → invalid_grant, access → 401).
    * ``POST oauth/clients`` ``{client_id, client_secret, redirect_uris: [...], allow_loopback: true}`` — register.
    """

    def handle(method: str, sub: str, payload: dict):
        if sub == "oauth/config" and method in ("GET", "POST"):
            if method == "POST" and "access_token_lifetime" in payload:
                lifetime = int(payload["access_token_lifetime"])
                if lifetime < 0:
                    raise ValueError("access_token_lifetime must be >= 0 seconds")
                grants.access_token_lifetime = lifetime
            return 200, {"access_token_lifetime": grants.access_token_lifetime}
        if sub == "oauth/expire" and method == "POST":
            who = _account(payload["user"]) if payload.get("user") else None
            return 200, {"expired": grants.expire_access_tokens(who)}
        if sub == "oauth/revoke" and method == "POST":
            if not payload.get("user"):
                raise ValueError("user is required (e-mail address, accountId or localpart)")
            return 200, {"revoked": grants.revoke_user(_account(payload["user"]), payload.get("client_id"))}
        if sub == "oauth/clients" and method == "POST":
            uris = payload.get("redirect_uris") or []
            if not isinstance(uris, list):
                raise ValueError("redirect_uris must be a list of URLs")
            app = grants.register(
                str(payload.get("client_id") or ""),
                str(payload.get("client_secret") or ""),
                [str(u) for u in uris],
                bool(payload.get("allow_loopback", True)),
            )
            return 201, {
                "client_id": app.client_id,
                "redirect_uris": list(app.redirect_uris),
                "allow_loopback": app.allow_loopback,
            }
        return None

    return handle
