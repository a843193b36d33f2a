"""Entra ID v2 endpoints of the contoso.example tenant, as msal uses them.

``/{tenant}/v2.0/.well-known/openid-configuration``, ``/{tenant}/discovery/v2.0/keys`` (JWKS),
``/common/discovery/instance`` (authority validation), ``/{tenant}/oauth2/v2.0/authorize`` (consent page, GET shows
it, POST submits it) and ``/{tenant}/oauth2/v2.0/token`` (in grants.py).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .consent import consent_page, error_page, form_post_page
from .tokens import Grant, Tokens, new_request_id
from .users import TENANT_DOMAIN, TENANT_ID, ClientApp, app_by_id, by_email

TENANT_ALIASES = {TENANT_ID, TENANT_DOMAIN, "common", "organizations"}
OIDC_SCOPES = {"openid", "profile", "email", "offline_access"}
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


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


def unknown_tenant(request: Request) -> JSONResponse | None:
    tenant = request.path_params["tenant"]
    if tenant in TENANT_ALIASES:
        return None
    return aad_error("invalid_tenant", 90002, f"Tenant '{tenant}' not found. Use {TENANT_ID} or {TENANT_DOMAIN}.")


async def openid_configuration(request: Request) -> Response:
    if (bad := unknown_tenant(request)) is not None:
        return bad
    base, tenant = _base(request), request.path_params["tenant"]
    return JSONResponse(
        {
            "issuer": issuer(request),
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
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


async def logout(request: Request) -> Response:
    """Front-channel sign-out: back to ``post_logout_redirect_uri`` when it is allowed, else a plain page."""
    target = request.query_params.get("post_logout_redirect_uri", "")
    parts = urlsplit(target)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")):
        return RedirectResponse(target, status_code=302)
    return HTMLResponse(error_page("You signed out", "You have signed out of your account. Close this window."))


def routes() -> list[Route]:
    from . import device, grants

    return [
        Route("/common/discovery/instance", instance_discovery, methods=["GET"]),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route("/{tenant}/discovery/v2.0/keys", jwks, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/authorize", authorize, methods=["GET", "POST"]),
        Route("/{tenant}/oauth2/v2.0/token", grants.token, methods=["POST"]),
        Route("/{tenant}/oauth2/v2.0/logout", logout, methods=["GET"]),
        Route("/{tenant}/oauth2/v2.0/devicecode", device.start, methods=["POST"]),
        Route("/devicelogin", device.login_page, methods=["GET", "POST"]),
    ]
