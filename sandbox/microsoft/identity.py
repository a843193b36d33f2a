"""Entra ID v2 endpoints of the contoso.example tenant, as msal uses them.

``/{tenant}/v2.0/.well-known/openid-configuration``, ``/{tenant}/discovery/v2.0/keys`` (JWKS),
``/common/discovery/instance`` (authority validation), ``/{tenant}/oauth2/v2.0/authorize`` (consent page, GET shows
it, POST submits it) and ``/{tenant}/oauth2/v2.0/token`` (authorization_code with PKCE, rotating refresh_token,
client_credentials, on-behalf-of).
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .consent import consent_page, error_page, form_post_page
from .tokens import Grant, TokenError, Tokens, new_request_id, pkce_matches
from .users import CONNECTOR_APP, GRAPH_AUDIENCE, TENANT_DOMAIN, TENANT_ID, ClientApp, app_by_id, by_email, by_id

TENANT_ALIASES = {TENANT_ID, TENANT_DOMAIN, "common", "organizations"}
OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# What each application may have: delegated scopes for the user-facing ones, app roles for the daemon.
APP_SCOPES = {
    CONNECTOR_APP.client_id: ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Mail.ReadWrite", "Mail.Send", "User.Read"],
}
APP_ROLES = ["Files.ReadWrite.All", "Sites.ReadWrite.All", "Mail.ReadWrite", "User.Read.All"]


def api_resource(app: ClientApp) -> str:
    """The application ID URI other apps request tokens for (``api://<client id>``)."""
    return f"api://{app.client_id}"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def issuer(request: Request) -> str:
    return f"{_base(request)}/{TENANT_ID}/v2.0"


def aad_error(error: str, code: int, description: str, status: int = 400) -> JSONResponse:
    """Entra's token-endpoint error shape (msal hands it back as a dict)."""
    trace, correlation = new_request_id(), new_request_id()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    text = f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {stamp}"
    body = {
        "error": error,
        "error_description": text,
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return JSONResponse(body, status_code=status)


def _unknown_tenant(request: Request) -> JSONResponse | None:
    tenant = request.path_params["tenant"]
    if tenant in TENANT_ALIASES:
        return None
    return aad_error("invalid_tenant", 90002, f"Tenant '{tenant}' not found. Use {TENANT_ID} or {TENANT_DOMAIN}.")


async def openid_configuration(request: Request) -> Response:
    if (bad := _unknown_tenant(request)) is not None:
        return bad
    base, tenant = _base(request), request.path_params["tenant"]
    return JSONResponse(
        {
            "issuer": issuer(request),
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nonce",
                "name",
                "preferred_username",
                "oid",
                "tid",
            ],
            "code_challenge_methods_supported": ["S256", "plain"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }
    )


async def jwks(request: Request) -> Response:
    tokens: Tokens = request.app.state.tokens
    return JSONResponse(tokens.jwks())


async def instance_discovery(request: Request) -> Response:
    """What msal fetches to validate an authority it does not know (pass this URL as ``instance_discovery``)."""
    endpoint = request.query_params.get("authorization_endpoint", "")
    parts = urlsplit(endpoint).path.strip("/").split("/")
    tenant = parts[0] if parts and parts[0] else "common"
    host = request.url.netloc
    return JSONResponse(
        {
            "tenant_discovery_endpoint": f"{_base(request)}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }
    )


# ---------------------------------------------------------------------- authorize
def _redirect_allowed(app: ClientApp, uri: str) -> bool:
    if app.redirect_uris:
        return uri in app.redirect_uris
    parts = urlsplit(uri)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1"))


def _check_authorize(params: dict[str, str]) -> tuple[ClientApp | None, str]:
    app = app_by_id(params.get("client_id", ""))
    if app is None:
        return None, f"AADSTS700016: Application with identifier '{params.get('client_id', '')}' was not found."
    if params.get("response_type") != "code":
        return None, "AADSTS700054: response_type must be 'code' (the sandbox supports the authorization code flow)."
    if not _redirect_allowed(app, params.get("redirect_uri", "")):
        return None, "AADSTS50011: The redirect URI does not match the redirect URIs configured for the application."
    return app, ""


async def authorize(request: Request) -> Response:
    if request.path_params["tenant"] not in TENANT_ALIASES:
        return HTMLResponse(error_page("Sign-in failed", "AADSTS90002: Tenant not found."), status_code=400)
    if request.method == "GET":
        params = dict(request.query_params)
    else:
        params = {k: str(v) for k, v in (await request.form()).items()}
    app, problem = _check_authorize(params)
    if app is None:
        return HTMLResponse(error_page("Sign-in failed", problem), status_code=400)
    if request.method == "GET":
        scopes = [s for s in params.get("scope", "").split() if s]
        page = consent_page(
            action=str(request.url.path),
            app=app,
            scopes=scopes,
            params={k: v for k, v in params.items() if k not in ("login", "consent")},
            login_hint=params.get("login_hint", ""),
        )
        return HTMLResponse(page)
    return _consent_answer(request, app, params)


def _reply(params: dict[str, str], reply: dict[str, str]) -> Response:
    """Back to the client: a redirect with the query (default), or a self-submitting form (form_post)."""
    redirect = params["redirect_uri"]
    if params.get("response_mode") == "form_post":
        return HTMLResponse(form_post_page(redirect, reply))
    sep = "&" if "?" in redirect else "?"
    return RedirectResponse(f"{redirect}{sep}{urlencode(reply)}", status_code=302)


def _consent_answer(request: Request, app: ClientApp, params: dict[str, str]) -> Response:
    redirect, state = params["redirect_uri"], params.get("state", "")
    if params.get("consent") != "accept":
        reply = {"error": "access_denied", "error_description": "AADSTS65004: User declined to consent."}
        return _reply(params, {**reply, "state": state})
    user = by_email(params.get("login", ""))
    if user is None or user.external:
        page = error_page(
            "Sign-in failed",
            f"AADSTS50034: The account {params.get('login', '')!r} does not exist "
            f"in the {TENANT_DOMAIN} directory. Choose one of the listed accounts.",
        )
        return HTMLResponse(page, status_code=400)
    tokens: Tokens = request.app.state.tokens
    challenge = params.get("code_challenge", "")
    grant = Grant(
        app.client_id,
        user.id,
        tuple(params.get("scope", "").split()),
        redirect_uri=redirect,
        code_challenge=challenge if params.get("code_challenge_method", "plain") != "S256" else "S256:" + challenge,
        nonce=params.get("nonce", ""),
    )
    reply = {
        "code": tokens.new_code(grant),
        "state": state,
        "client_info": tokens.client_info(user),
        "session_state": secrets.token_hex(16),
    }
    return _reply(params, reply)


# ---------------------------------------------------------------------- token
def _client(form: dict[str, str], request: Request) -> tuple[ClientApp | None, JSONResponse | None]:
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
    app = app_by_id(client_id)
    if app is None:
        return None, aad_error(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{TENANT_DOMAIN}'.",
        )
    if not secrets.compare_digest(secret, app.secret):
        return None, aad_error(
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
            status=401,
        )
    return app, None


def _resource(scopes: list[str]) -> tuple[str, list[str]] | None:
    """(audience, scope names) for the one resource the scopes name; None if they name several."""
    resources: dict[str, list[str]] = {}
    for scope in scopes:
        if scope in OIDC_SCOPES:
            continue
        if scope.startswith("api://"):
            prefix, _, name = scope.rpartition("/")
            resources.setdefault(prefix, []).append(name)
        else:
            name = scope.removeprefix(GRAPH_AUDIENCE + "/").removeprefix(GRAPH_AUDIENCE)
            resources.setdefault(GRAPH_AUDIENCE, []).append(name.lstrip("/"))
    if len(resources) > 1:
        return None
    if not resources:
        return GRAPH_AUDIENCE, ["User.Read"]
    audience, names = next(iter(resources.items()))
    if audience.startswith("api://"):
        owner = app_by_id(audience.removeprefix("api://"))
        audience = owner.client_id if owner else audience
    return audience, names


def _issue(
    request: Request,
    app: ClientApp,
    user_id: str | None,
    scopes: list[str],
    nonce: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    tokens: Tokens = request.app.state.tokens
    resolved = _resource(scopes)
    if resolved is None:
        return aad_error(
            "invalid_scope",
            28000,
            "Provide value for the input parameter scope: it must name a "
            "single resource (Graph or one api:// application), not several.",
        )
    audience, names = resolved
    user = by_id(user_id) if user_id else None
    if user is None:  # app-only: roles instead of scopes
        access, lifetime = tokens.access_token(
            audience=audience, app_id=app.client_id, user=None, scp=[], roles=APP_ROLES, issuer_v2=issuer(request)
        )
    else:
        granted = APP_SCOPES.get(app.client_id, names) if ".default" in names else names
        access, lifetime = tokens.access_token(
            audience=audience, app_id=app.client_id, user=user, scp=granted, roles=[], issuer_v2=issuer(request)
        )
    body: dict = {
        "token_type": "Bearer",
        "scope": " ".join(s for s in scopes if s != "offline_access"),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    }
    if user is not None:
        if "offline_access" in scopes:
            body["refresh_token"] = tokens.new_refresh_token(Grant(app.client_id, user.id, tuple(scopes)))
        if "openid" in scopes:
            body["id_token"] = tokens.id_token(
                user=user, client_id=app.client_id, issuer_v2=issuer(request), nonce=nonce
            )
        if (form or {}).get("client_info") == "1":
            body["client_info"] = tokens.client_info(user)
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def token(request: Request) -> Response:
    if (bad := _unknown_tenant(request)) is not None:
        return bad
    form = {k: str(v) for k, v in (await request.form()).items()}
    app, problem = _client(form, request)
    if app is None:
        return problem  # type: ignore[return-value]
    grant_type = form.get("grant_type", "")
    scopes = form.get("scope", "").split()
    tokens: Tokens = request.app.state.tokens
    if grant_type == "authorization_code":
        grant = tokens.redeem_code(form.get("code", ""))
        if grant is None or grant.client_id != app.client_id:
            return aad_error(
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired "
                "due to inactivity, was already redeemed, or belongs to another client.",
            )
        if form.get("redirect_uri", "") != grant.redirect_uri:
            return aad_error(
                "invalid_grant", 50148, "The redirect_uri does not match the one of the authorization request."
            )
        if grant.code_challenge and not _pkce_ok(grant.code_challenge, form.get("code_verifier", "")):
            return aad_error(
                "invalid_grant",
                50148,
                "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
            )
        return _issue(request, app, grant.user_id, scopes or list(grant.scopes), grant.nonce, form)
    if grant_type == "refresh_token":
        grant, why = tokens.redeem_refresh_token(form.get("refresh_token", ""))
        if grant is None or grant.client_id != app.client_id:
            if why == "expired":
                return aad_error(
                    "invalid_grant",
                    700082,
                    "The refresh token has expired due to inactivity. The "
                    "token was issued on a date past the 90-day inactivity limit.",
                )
            return aad_error(
                "invalid_grant",
                70000,
                "The provided value for the input parameter 'refresh_token' "
                "is not valid: it was already used (refresh tokens rotate: keep the newest) or "
                "was never issued to this client.",
            )
        return _issue(request, app, grant.user_id, scopes or list(grant.scopes), form=form)
    if grant_type == "client_credentials":
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            return aad_error(
                "invalid_scope",
                1002012,
                f"The provided value for scope {' '.join(scopes)} is not "
                "valid. Client credential flows must have a scope value with /.default suffixed to "
                "the resource identifier (application ID URI).",
            )
        return _issue(request, app, None, scopes)
    if grant_type == OBO_GRANT and form.get("requested_token_use") == "on_behalf_of":
        return _on_behalf_of(request, app, form, scopes)
    return aad_error(
        "unsupported_grant_type",
        70003,
        f"The app requested an unsupported grant type "
        f"'{grant_type}'. Supported: authorization_code, refresh_token, client_credentials, "
        f"{OBO_GRANT} (on_behalf_of).",
    )


def _pkce_ok(challenge: str, verifier: str) -> bool:
    if challenge.startswith("S256:"):
        return pkce_matches(challenge[5:], verifier)
    return secrets.compare_digest(challenge, verifier)


def _on_behalf_of(request: Request, app: ClientApp, form: dict[str, str], scopes: list[str]) -> Response:
    """Exchange a user's token for *this* app (aud = our client id) for a Graph token for the same user."""
    tokens: Tokens = request.app.state.tokens
    try:
        claims = tokens.verify(form.get("assertion", ""), audiences=(app.client_id, api_resource(app)))
    except TokenError as exc:
        return aad_error(
            "invalid_grant",
            50013,
            f"Assertion failed signature validation or is not for this application: {exc.message}",
        )
    if "scp" not in claims:
        return aad_error(
            "invalid_grant", 50013, "The assertion is an app-only token; on-behalf-of needs a user's token."
        )
    return _issue(request, app, claims.get("oid"), scopes, form=form)


def routes() -> list[Route]:
    return [
        Route("/common/discovery/instance", instance_discovery, methods=["GET"]),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/{tenant}/discovery/v2.0/keys", jwks, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/authorize", authorize, methods=["GET", "POST"]),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
    ]
