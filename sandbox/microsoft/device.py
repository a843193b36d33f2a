"""The device code flow (RFC 8628) as Entra runs it, for public clients such as a command line.

``POST /{tenant}/oauth2/v2.0/devicecode`` starts it; the person opens ``/devicelogin``, enters the code and picks an
account; the client polls the token endpoint with the device_code grant and gets ``authorization_pending`` until then.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from .consent import device_page, error_page
from .identity import aad_error, unknown_tenant
from .tokens import Tokens
from .users import ClientApp, app_by_id, by_email

DEVICE_CODE_LIFETIME_S = 900
POLL_INTERVAL_S = 5


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires: float
    status: str = "pending"  # pending | approved | declined
    user_id: str = ""


def _codes(request: Request) -> dict[str, DeviceCode]:
    codes: dict[str, DeviceCode] = request.app.state.device_codes
    return codes


async def start(request: Request) -> Response:
    if (bad := unknown_tenant(request)) is not None:
        return bad
    form = {k: str(v) for k, v in (await request.form()).items()}
    app = app_by_id(form.get("client_id", ""))
    if app is None:
        return aad_error(
            "unauthorized_client",
            700016,
            f"Application with identifier '{form.get('client_id', '')}' was not found in the directory.",
        )
    tokens: Tokens = request.app.state.tokens
    user_code = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(9))
    code = DeviceCode(
        secrets.token_urlsafe(32),
        user_code,
        app.client_id,
        tuple(form.get("scope", "").split()),
        tokens.now() + DEVICE_CODE_LIFETIME_S,
    )
    _codes(request)[code.device_code] = code
    uri = str(request.base_url).rstrip("/") + "/devicelogin"
    return JSONResponse(
        {
            "device_code": code.device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": DEVICE_CODE_LIFETIME_S,
            "interval": POLL_INTERVAL_S,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to "
            "authenticate.",
        }
    )


async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return HTMLResponse(device_page(action="/devicelogin"))
    form = {k: str(v) for k, v in (await request.form()).items()}
    entered = form.get("user_code", "").strip().upper()
    code = next((c for c in _codes(request).values() if c.user_code == entered and c.status == "pending"), None)
    if code is None or code.expires < request.app.state.tokens.now():
        page = device_page(
            action="/devicelogin",
            message="That code is not valid or has expired. Check it and "
            "try again, or start the sign-in again on your device.",
        )
        return HTMLResponse(page, status_code=400)
    if form.get("consent") != "accept":
        code.status = "declined"
        return HTMLResponse(error_page("Sign-in cancelled", "You declined; the application was not signed in."))
    user = by_email(form.get("login", ""))
    if user is None or user.external:
        return HTMLResponse(error_page("Sign-in failed", "Choose one of the listed accounts."), status_code=400)
    code.status, code.user_id = "approved", user.id
    app = app_by_id(code.client_id)
    return HTMLResponse(
        error_page(
            "You are signed in",
            f"You have signed in to {app.name if app else 'the app'}. You may now close this window.",
        )
    )


def redeem(request: Request, app: ClientApp, form: dict[str, str]) -> Response:
    """The device_code grant: pending until the person approves, then tokens (once)."""
    from .grants import issue

    codes = _codes(request)
    code = codes.get(form.get("device_code", ""))
    if code is None or code.client_id != app.client_id:
        return aad_error("invalid_grant", 70000, "The device_code is not valid for this client.")
    if code.expires < request.app.state.tokens.now():
        codes.pop(code.device_code, None)
        return aad_error("expired_token", 70019, "Verification code expired. Start the device flow again.")
    if code.status == "pending":
        return aad_error(
            "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."
        )
    codes.pop(code.device_code, None)
    if code.status == "declined":
        return aad_error("authorization_declined", 70000, "The user declined the sign-in request.")
    return issue(request, app, code.user_id, list(code.scopes), form=form)
