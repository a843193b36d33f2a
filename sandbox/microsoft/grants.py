"""The token endpoint of the emulated Entra ID: authorization_code (with PKCE), rotating refresh_token,
client_credentials and on-behalf-of (jwt-bearer), with Entra's error shape and AADSTS codes."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .identity import OBO_GRANT, OIDC_SCOPES, aad_error, api_resource, issuer, unknown_tenant
from .tokens import Grant, TokenError, Tokens, pkce_matches
from .users import APP_ROLES, APP_SCOPES, GRAPH_AUDIENCE, TENANT_DOMAIN, ClientApp, app_by_id, by_id


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
    if app.public and secret:
        return None, aad_error(
            "invalid_request",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )
    if not app.public and not secret:
        return None, aad_error(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            status=401,
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


def issue(
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
    body: dict[str, Any] = {
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


DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_GRANTS = {"authorization_code", "refresh_token", DEVICE_GRANT}  # what a public client may use


async def token(request: Request) -> Response:
    if (bad := unknown_tenant(request)) is not None:
        return bad
    form = {k: str(v) for k, v in (await request.form()).items()}
    app, problem = _client(form, request)
    if app is None:
        return problem  # type: ignore[return-value]
    grant_type = form.get("grant_type", "")
    if grant_type == OBO_GRANT and form.get("requested_token_use") != "on_behalf_of":
        grant_type = "jwt-bearer without requested_token_use=on_behalf_of"
    handler = _GRANTS.get(grant_type)
    if handler is None:
        supported = ", ".join([*_GRANTS][:3]) + f", {OBO_GRANT} (on_behalf_of), {DEVICE_GRANT}"
        return aad_error(
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'. Supported: {supported}.",
        )
    if app.public and grant_type not in USER_GRANTS:
        return aad_error("unauthorized_client", 700025, f"A public client cannot use the {grant_type} grant.")
    return handler(request, app, form, form.get("scope", "").split())


def _authorization_code(request: Request, app: ClientApp, form: dict[str, str], scopes: list[str]) -> Response:
    tokens: Tokens = request.app.state.tokens
    grant = tokens.redeem_code(form.get("code", ""))
    if grant is None or grant.client_id != app.client_id:
        return aad_error(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due "
            "to inactivity, was already redeemed, or belongs to another client.",
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
    return issue(request, app, grant.user_id, scopes or list(grant.scopes), grant.nonce, form)


def _refresh_token(request: Request, app: ClientApp, form: dict[str, str], scopes: list[str]) -> Response:
    tokens: Tokens = request.app.state.tokens
    grant, why = tokens.redeem_refresh_token(form.get("refresh_token", ""))
    if grant is None or grant.client_id != app.client_id:
        if why == "expired":
            return aad_error(
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity. The token "
                "was issued on a date past the 90-day inactivity limit.",
            )
        return aad_error(
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'refresh_token' is not "
            "valid: it was already used (refresh tokens rotate: keep the newest) or was never issued "
            "to this client.",
        )
    return issue(request, app, grant.user_id, scopes or list(grant.scopes), form=form)


def _client_credentials(request: Request, app: ClientApp, form: dict[str, str], scopes: list[str]) -> Response:
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        return aad_error(
            "invalid_scope",
            1002012,
            f"The provided value for scope {' '.join(scopes)} is not valid. "
            "Client credential flows must have a scope value with /.default suffixed to the resource "
            "identifier (application ID URI).",
        )
    return issue(request, app, None, scopes)


def _device_code(request: Request, app: ClientApp, form: dict[str, str], scopes: list[str]) -> Response:
    from .device import redeem

    return redeem(request, app, form)


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
    if by_id(str(claims.get("oid", ""))) is None:  # Entra refuses a user who is not (or no longer) in the tenant
        return aad_error(
            "invalid_grant", 50034, "The user account does not exist in this directory: sign in with another account."
        )
    return issue(request, app, claims.get("oid"), scopes, form=form)


_GRANTS = {
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
    "client_credentials": _client_credentials,
    OBO_GRANT: _on_behalf_of,
    DEVICE_GRANT: _device_code,
}
