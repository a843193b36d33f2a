"""Bind a pending login to the browser that started it, so a sign-in link cannot be passed to someone else.

Without it, an attacker could start a login from their own client, send the consent link to a victim,
and receive a token for the victim's account once the victim signs in upstream (a confused deputy, as
the MCP security best practices describe). `/authorize` sets a short-lived cookie named after the login;
the consent page and the upstream's callback refuse a login whose cookie the browser does not carry.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response

PREFIX = "ec_login_"


def _parts(login_id: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"browser-binding:{login_id}".encode()).hexdigest()
    return PREFIX + digest[:16], digest[16:48]


def set_cookie_header(login_id: str, *, path: str, max_age: int, secure: bool) -> str:
    name, value = _parts(login_id)
    attributes = f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    return attributes + ("; Secure" if secure else "")


def is_bound(request: Request, login_id: str) -> bool:
    name, value = _parts(login_id)
    return hmac.compare_digest(request.cookies.get(name, ""), value)


def forget(response: Response, login_id: str, *, path: str) -> None:
    response.delete_cookie(_parts(login_id)[0], path=path)
