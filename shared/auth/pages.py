"""The few pages a person sees during sign-in: consent and errors.

Plain HTML, no script and no external asset (nothing to load, nothing to track), readable on a phone
(viewport, fluid width, large targets), accessible (language, landmarks, headings, real buttons,
visible focus, sufficient contrast). Every page forbids framing, so it cannot be clickjacked.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1a1a1a;
line-height:1.5}
main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.75rem;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin-top:0}
ul{padding-left:1.25rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
button{font:inherit;font-size:1rem;min-height:2.75rem;padding:.6rem 1.2rem;border-radius:.5rem;cursor:pointer;
border:2px solid #0b57d0}
.primary{background:#0b57d0;color:#fff}
.secondary{background:#fff;color:#0b57d0}
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.muted{color:#4a4a4a;font-size:.95rem}
@media (max-width:30rem){main{margin:0;border-radius:0;min-height:100vh}button{flex:1 1 100%}}
"""

HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http:; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


SCOPE_WORDS = {"read": "read what your account can see", "write": "make changes as you"}


def describe_scope(scope: str) -> str:
    if scope == "offline_access":
        return "stay connected until you disconnect it"
    system, _, kind = scope.partition(".")
    words = SCOPE_WORDS.get(kind)
    return f"{words} in {system.capitalize()}" if words else scope


def consent_page(
    *, client_name: str, client_host: str, upstream_name: str, scopes: list[str], request_id: str, action: str
) -> HTMLResponse:
    items = "".join(f"<li>{escape(describe_scope(scope))}</li>" for scope in scopes)
    body = (
        f"<h1>Connect {escape(client_name)}?</h1>"
        f"<p><strong>{escape(client_name)}</strong> (returning to <strong>{escape(client_host)}</strong>) asks to:</p>"
        f"<ul>{items}</ul>"
        f'<p class="muted">Next you sign in with {escape(upstream_name)}. You can disconnect at any time.</p>'
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="request" value="{escape(request_id)}">'
        '<div class="actions">'
        '<button class="primary" type="submit" name="decision" value="allow">Continue to sign in</button>'
        '<button class="secondary" type="submit" name="decision" value="deny">Cancel</button>'
        "</div></form>"
    )
    return _page(f"Connect {client_name}", body)


def error_page(title: str, message: str, status: int = 400) -> HTMLResponse:
    body = f'<h1>{escape(title)}</h1><p role="alert">{escape(message)}</p>'
    body += '<p class="muted">Close this window and start the connection again from your app.</p>'
    return _page(title, body, status)


def page(title: str, body_html: str, status: int = 200) -> HTMLResponse:
    """A page of this family around `body_html` (already escaped by the caller)."""
    return _page(title, body_html, status)
