"""The sign-in and consent page of the emulated Entra ID: plain, accessible HTML that a test can also submit."""

from __future__ import annotations

from html import escape

from .users import MEMBERS, ClientApp

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;line-height:1.5}"
    "fieldset{margin:1rem 0}button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}"
)


def _accounts(login_hint: str) -> str:
    """Radio buttons, one per person of the directory (the hinted one chosen)."""
    hint = login_hint.strip().lower()
    chosen = hint if any(u.mail == hint for u in MEMBERS) else MEMBERS[0].mail
    return "\n".join(
        f'<div><input type="radio" id="login-{i}" name="login" value="{escape(u.mail)}"'
        f"{' checked' if u.mail == chosen else ''}>"
        f' <label for="login-{i}">{escape(u.display_name)} ({escape(u.mail)})</label></div>'
        for i, u in enumerate(MEMBERS)
    )


def device_page(*, action: str, message: str = "") -> str:
    """The device login page (``verification_uri``): POSTs ``user_code``, ``login`` and ``consent``."""
    note = f'<p role="status">{escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Enter code - Contoso (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><main>
<h1>Enter code</h1>
{note}
<p>Enter the code displayed on your app or device, then choose who you are.</p>
<form method="post" action="{escape(action)}">
<p><label for="user_code">Code</label> <input id="user_code" name="user_code" autocomplete="off" required></p>
<fieldset><legend>Choose an account</legend>
{_accounts("")}
</fieldset>
<button type="submit" name="consent" value="accept">Accept</button>
<button type="submit" name="consent" value="deny">Cancel</button>
</form>
</main></body></html>
"""


def consent_page(*, action: str, app: ClientApp, params: dict[str, str], scopes: list[str], login_hint: str) -> str:
    """The page for GET /authorize. Submitting it POSTs ``login`` (an e-mail) and ``consent`` (accept|deny)."""
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in sorted(params.items())
    )
    accounts = _accounts(login_hint)
    permissions = "\n".join(f"<li>{escape(s)}</li>" for s in scopes) or "<li>Sign you in</li>"
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - Contoso (sandbox)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><main>
<h1>Sign in to {escape(app.name)}</h1>
<p>This is the Microsoft 365 sandbox. No password is needed: choose who you are.</p>
<form method="post" action="{escape(action)}">
{hidden}
<fieldset><legend>Choose an account</legend>
{accounts}
</fieldset>
<h2>{escape(app.name)} is asking for these permissions</h2>
<ul>
{permissions}
</ul>
<button type="submit" name="consent" value="accept">Accept</button>
<button type="submit" name="consent" value="deny">Cancel</button>
</form>
</main></body></html>
"""


def error_page(title: str, detail: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><main><h1>{escape(title)}</h1><p role="alert">{escape(detail)}</p></main></body></html>
"""


def form_post_page(redirect_uri: str, fields: dict[str, str]) -> str:
    """``response_mode=form_post``: the browser posts the answer to the client; without script, a button does."""
    hidden = "\n".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Working...</title></head>
<body onload="document.forms[0].submit()"><main>
<form method="post" action="{escape(redirect_uri)}">
{hidden}
<noscript><p>Script is disabled. Press Continue to go back to the application.</p></noscript>
<button type="submit">Continue</button>
</form></main></body></html>
"""
