"""Google's OAuth 2.0 identity provider: consent page, token, revoke, userinfo and tokeninfo endpoints.

Paths are Google's own, on one host: ``/o/oauth2/v2/auth`` (accounts.google.com), ``/token``, ``/revoke``,
``/tokeninfo`` (oauth2.googleapis.com), ``/oauth2/v3/userinfo``, ``/oauth2/v3/tokeninfo`` (www.googleapis.com)
and ``/.well-known/openid-configuration``. The consent page is a plain HTML form; a test drives it without a
browser by POSTing the same form (``user=<email>``, ``decision=allow``) and reading the 302 ``Location``.
``/token`` also takes a service account's signed assertion (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``,
RFC 7523) for the user its ``sub`` names: domain-wide delegation (``tokens.TokenStore.delegated_token``).
"""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import idtoken
from . import users as U
from .errors import GoogleError, unauthenticated
from .tokens import CLIENTS, CODE_LIFETIME_S, JWT_BEARER, AccessToken, OAuthError, PendingCode, TokenStore

AUTH_PATH = "/o/oauth2/v2/auth"
_NO_STORE = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"}


def bearer(store: TokenStore, authorization: str | None) -> AccessToken:
    """The caller's live access token, or Drive's 401 ``authError``."""
    scheme, _, token = (authorization or "").partition(" ")
    found = store.lookup(token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise unauthenticated()
    return found


def require_scope(token: AccessToken, accepted: tuple[str, ...]) -> None:
    if not any(scope in token.scopes for scope in accepted):
        raise GoogleError(403, "Request had insufficient authentication scopes.", "insufficientPermissions")


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description}, status_code=exc.status, headers=_NO_STORE
    )


def _error_page(status: int, error: str, detail: str) -> HTMLResponse:
    body = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Error {status}: {html.escape(error)}"
        f"</title></head><body><main><h1>Access blocked: authorization error</h1>"
        f"<p>Error {status}: {html.escape(error)}</p><p>{html.escape(detail)}</p></main></body></html>"
    )
    return HTMLResponse(body, status_code=status)


def _check_request(params: dict[str, str]) -> HTMLResponse | None:
    if params.get("client_id") not in CLIENTS:
        return _error_page(401, "invalid_client", "The OAuth client was not found.")
    redirect = params.get("redirect_uri", "")
    if urlsplit(redirect).scheme not in ("http", "https"):
        return _error_page(400, "redirect_uri_mismatch", "Missing or invalid required parameter: redirect_uri")
    if params.get("response_type") != "code":
        return _error_page(400, "unsupported_response_type", "Only response_type=code is supported.")
    if not params.get("scope", "").strip():
        return _error_page(400, "invalid_request", "Missing required parameter: scope")
    if params.get("code_challenge") and params.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return _error_page(400, "invalid_request", "Invalid code_challenge_method.")
    return None


_CARRIED = (
    "nonce",
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "access_type",
    "prompt",
    "code_challenge",
    "code_challenge_method",
    "include_granted_scopes",
    "login_hint",
)


def consent_page(params: dict[str, str]) -> HTMLResponse:
    hidden = "".join(
        f"<input type='hidden' name='{k}' value='{html.escape(params[k], quote=True)}'>"
        for k in _CARRIED
        if k in params
    )
    hint = params.get("login_hint", U.DEMO_USER.email)
    choices = "".join(
        f"<div><input type='radio' id='u-{u.localpart}' name='user' value='{u.email}'"
        f"{' checked' if u.email == hint else ''}><label for='u-{u.localpart}'>{html.escape(u.display_name)} "
        f"({u.email})</label></div>"
        for u in U.USERS
    )
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params["scope"].split())
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sign in - Google Accounts (sandbox)"
        "</title></head><body><main><h1>Choose an account</h1>"
        f"<p>to continue to <strong>{html.escape(params['client_id'])}</strong></p>"
        f"<form method='post' action='{AUTH_PATH}'>{hidden}<fieldset><legend>Account</legend>{choices}</fieldset>"
        f"<h2>This app wants to</h2><ul>{scopes}</ul>"
        "<button type='submit' name='decision' value='allow'>Allow</button> "
        "<button type='submit' name='decision' value='deny'>Cancel</button></form></main></body></html>"
    )
    return HTMLResponse(body, headers=_NO_STORE)


def routes(store: TokenStore) -> list[Route]:
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params = {k: str(v) for k, v in (await request.form()).items()}
        problem = _check_request(params)
        if problem is not None:
            return problem
        if request.method == "GET":
            return consent_page(params)
        redirect, state = params["redirect_uri"], params.get("state")
        answer: dict[str, str] = {}
        user = U.domain_user(params.get("user", ""))
        if params.get("decision") != "allow":
            answer["error"] = "access_denied"
        elif user is None:
            return _error_page(400, "invalid_request", "Choose one of the listed accounts.")
        else:
            answer["code"] = store.issue_code(
                PendingCode(
                    user,
                    params["client_id"],
                    redirect,
                    tuple(params["scope"].split()),
                    params.get("access_type") == "offline",
                    params.get("code_challenge"),
                    params.get("code_challenge_method", "plain") if params.get("code_challenge") else None,
                    store.clock() + CODE_LIFETIME_S,
                    params.get("nonce"),
                )
            )
            answer.update(scope=params["scope"], authuser="0", prompt="consent")
        if state is not None:
            answer["state"] = state
        glue = "&" if urlsplit(redirect).query else "?"
        return RedirectResponse(redirect + glue + urlencode(answer), status_code=302)

    async def token(request: Request) -> Response:
        try:
            return JSONResponse(_token_answer(store, request, dict(await request.form())), headers=_NO_STORE)
        except OAuthError as exc:
            return _oauth_error(exc)

    async def revoke(request: Request) -> Response:
        form = dict(await request.form()) if request.method == "POST" else {}
        value = str(request.query_params.get("token") or form.get("token") or "")
        if not store.revoke(value):
            return _oauth_error(OAuthError("invalid_token", "Token expired or revoked"))
        return JSONResponse({})

    async def userinfo(request: Request) -> Response:
        try:
            found = bearer(store, request.headers.get("authorization"))
        except GoogleError:
            return JSONResponse(
                {"error": "invalid_request", "error_description": "Invalid Credentials"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
        user = found.user
        return JSONResponse(
            {
                "sub": user.subject,
                "name": user.display_name,
                "given_name": user.given_name,
                "family_name": user.family_name,
                "picture": f"https://lh3.googleusercontent.com/a/{user.localpart}",
                "email": user.email,
                "email_verified": True,
                "hd": U.DOMAIN,
            }
        )

    async def tokeninfo(request: Request) -> Response:
        found = store.lookup(request.query_params.get("access_token", ""))
        if found is None:
            return JSONResponse({"error": "invalid_token", "error_description": "Invalid Value"}, status_code=400)
        client = found.grant.client_id if found.grant else U.STATIC_TOKEN_CLIENT
        left = found.expires_at - store.clock()
        expires_in = 10**9 if left == float("inf") else int(left)
        return JSONResponse(
            {
                "azp": client,
                "aud": client,
                "sub": found.user.subject,
                "scope": " ".join(found.scopes),
                "exp": str(int(store.clock()) + expires_in),
                "expires_in": str(expires_in),
                "email": found.user.email,
                "email_verified": "true",
                "access_type": "offline",
            }
        )

    async def certs_jwks(request: Request) -> Response:
        return JSONResponse(idtoken.jwks(), headers={"Cache-Control": "public, max-age=3600"})

    async def certs_pem(request: Request) -> Response:
        return JSONResponse(idtoken.pem_certs(), headers={"Cache-Control": "public, max-age=3600"})

    async def openid_configuration(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": "https://accounts.google.com",
                "authorization_endpoint": base + AUTH_PATH,
                "token_endpoint": base + "/token",
                "userinfo_endpoint": base + "/oauth2/v3/userinfo",
                "revocation_endpoint": base + "/revoke",
                "jwks_uri": base + "/oauth2/v3/certs",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "grant_types_supported": ["authorization_code", "refresh_token", JWT_BEARER],
                "code_challenge_methods_supported": ["plain", "S256"],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    return [
        Route(AUTH_PATH, authorize, methods=["GET", "POST"]),
        Route("/token", token, methods=["POST"]),
        Route("/revoke", revoke, methods=["POST", "GET"]),
        Route("/oauth2/v3/userinfo", userinfo, methods=["GET", "POST"]),
        Route("/oauth2/v3/tokeninfo", tokeninfo, methods=["GET", "POST"]),
        Route("/tokeninfo", tokeninfo, methods=["GET", "POST"]),
        Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/oauth2/v3/certs", certs_jwks, methods=["GET"]),
        Route("/oauth2/v1/certs", certs_pem, methods=["GET"]),
    ]


def _client(request: Request, form: dict) -> str:
    """Authenticate the client (form fields or HTTP Basic), as Google's token endpoint does."""
    client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError as exc:
            raise OAuthError("invalid_client", "Unauthorized", 401) from exc
    if client_id not in CLIENTS:
        raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
    if CLIENTS[client_id] != secret:
        raise OAuthError("invalid_client", "Unauthorized", 401)
    return client_id


def _delegated_answer(store: TokenStore, request: Request, assertion: str) -> dict:
    """Domain-wide delegation: Google's answer carries neither a refresh token nor the scope."""
    own = str(request.base_url).rstrip("/") + "/token"
    # google-auth always sends Google's own token URL as the audience; a hand-made assertion may name ours.
    access = store.delegated_token(assertion, ("https://oauth2.googleapis.com/token", own))
    return {"access_token": access.token, "expires_in": store.access_token_lifetime, "token_type": "Bearer"}


def _verify_pkce(code: PendingCode, verifier: str | None) -> None:
    if code.challenge is None:
        return
    if not verifier:
        raise OAuthError("invalid_grant", "Missing code verifier.")
    if code.challenge_method == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    else:
        computed = verifier
    if computed != code.challenge:
        raise OAuthError("invalid_grant", "Invalid code verifier.")


def _token_answer(store: TokenStore, request: Request, form: dict) -> dict:
    grant_type = str(form.get("grant_type", ""))
    if grant_type == JWT_BEARER:  # a service account: the signed assertion is its authentication
        return _delegated_answer(store, request, str(form.get("assertion", "")))
    if grant_type not in ("authorization_code", "refresh_token"):
        raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    client_id = _client(request, form)
    if grant_type == "authorization_code":
        code = store.redeem_code(str(form.get("code", "")))
        if code.client_id != client_id:
            raise OAuthError("invalid_grant", "Bad Request")
        if str(form.get("redirect_uri", "")) != code.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "Bad Request")
        _verify_pkce(code, form.get("code_verifier"))
        grant = store.new_grant(code.user, client_id, code.scopes, code.offline)
        access = store.mint_access_token(grant)
        answer = {
            "access_token": access.token,
            "expires_in": store.access_token_lifetime,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }
        if grant.refresh_token:
            answer["refresh_token"] = grant.refresh_token
        if "openid" in grant.scopes:
            answer["id_token"] = idtoken.id_token(grant.user, client_id, store.clock(), code.nonce)
        return answer
    grant = store.grant_for_refresh(str(form.get("refresh_token", "")), client_id)
    access = store.mint_access_token(grant)  # no new refresh token: Google does not rotate them
    refreshed = {
        "access_token": access.token,
        "expires_in": store.access_token_lifetime,
        "scope": " ".join(grant.scopes),
        "token_type": "Bearer",
    }
    if "openid" in grant.scopes:  # a fresh ID token on refresh too (without the nonce)
        refreshed["id_token"] = idtoken.id_token(grant.user, client_id, store.clock())
    return refreshed
