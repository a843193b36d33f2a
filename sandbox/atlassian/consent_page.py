"""The sign-in and consent page of the sandbox's Atlassian identity provider: plain HTML, no external assets,
readable on a phone and by a screen reader, and drivable without a browser (POST the same form)."""

from __future__ import annotations

import html

from starlette.responses import HTMLResponse

CARRIED = ("audience", "client_id", "scope", "redirect_uri", "state", "response_type", "prompt")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f5f7;color:#172b4d}"
    "main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 3px rgba(9,30,66,.25)}"
    "h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem;font-weight:600}"
    "input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;"
    "border:2px solid #dfe1e6;border-radius:4px}input:focus,button:focus{outline:3px solid #4c9aff}"
    "ul{padding-left:1.2rem}.actions{display:flex;gap:.6rem;margin-top:1.2rem}"
    "button{flex:1;padding:.7rem;font-size:1rem;border-radius:4px;border:0;cursor:pointer}"
    ".allow{background:#0052cc;color:#fff}.deny{background:#ebecf0;color:#172b4d}"
    ".error{background:#ffebe6;border-left:4px solid #de350b;padding:.6rem;margin-bottom:1rem}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers=NO_STORE)


def error_page(status: int, error: str, detail: str) -> HTMLResponse:
    """For requests that cannot be sent back to the app (unknown client, redirect_uri not registered)."""
    return _page(
        f"Error: {error}",
        f"<h1>Something went wrong</h1><p role='alert' class='error'>"
        f"<strong>{html.escape(error)}</strong>: {html.escape(detail)}</p>",
        status,
    )


def consent_page(
    params: dict[str, str], app_name: str, *, email: str = "", problem: str | None = None, status: int = 200
) -> HTMLResponse:
    hidden = "".join(
        f"<input type='hidden' name='{k}' value='{html.escape(params[k], quote=True)}'>" for k in CARRIED if k in params
    )
    scopes = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in params.get("scope", "").split())
    alert = f"<p role='alert' class='error'>{html.escape(problem)}</p>" if problem else ""
    body = (
        f"<h1>Sign in to continue to {html.escape(app_name)}</h1>{alert}"
        "<form method='post' action='/authorize'>" + hidden + "<label for='email'>Email</label>"
        f"<input id='email' name='email' type='email' autocomplete='username' required "
        f"value='{html.escape(email, quote=True)}'>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' autocomplete='current-password' required>"
        f"<h2>{html.escape(app_name)} is requesting access to your Atlassian account</h2>"
        f"<p>It will be able to:</p><ul>{scopes}</ul>"
        "<div class='actions'><button class='allow' type='submit' name='decision' value='allow'>Accept</button>"
        "<button class='deny' type='submit' name='decision' value='deny' formnovalidate>Cancel</button></div>"
        "</form>"
    )
    return _page("Sign in - Atlassian (sandbox)", body, status)
