"""Google Workspace emulator: Google's OAuth identity provider, Drive v3, Gmail v1 and People v1 (contacts, directory).

Everything is served from one origin with Google's own paths, so clients only swap the host:
``/o/oauth2/v2/auth``, ``/token``, ``/revoke``, ``/oauth2/v3/userinfo`` (identity), ``/drive/v3/...`` and
``/upload/drive/v3/files`` (Drive), ``/gmail/v1/users/{userId}/...`` and ``/upload/gmail/v1/...`` (Gmail).
Control API: ``/__sandbox/...`` (common) and ``/__sandbox/google/...``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ..common.middleware import Hooks, SandboxState
from . import batch
from .drive import routes as drive_routes
from .drive.seed import seed
from .drive.store import DriveStore
from .errors import GoogleError, injected_body, unauthenticated
from .gmail import routes as gmail_routes
from .gmail.context import UnitBudget
from .gmail.control import GoogleWithGmailApp
from .gmail.seed import seed as seed_gmail
from .gmail.store import GmailStore
from .identity import routes as identity_routes
from .middleware import GoogleApp, GoogleSettings, RedactingLog
from .people import routes as people_routes
from .tokens import TokenStore

_NOT_FOUND = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title>"
    "<p><b>404.</b> <ins>That's an error.</ins><p>The requested URL <code>{path}</code> was not found on "
    "this server. <ins>That's all we know.</ins>"
)


async def _not_found(request: Request, exc: HTTPException) -> Response:
    """Google answers unknown paths (and wrong methods) with its HTML 404 page."""
    return HTMLResponse(_NOT_FOUND.format(path=request.url.path), status_code=404)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug in the emulator still answers in Google's shape (the traceback goes to the server log only)."""
    error = GoogleError(500, "Internal Error", "internalError")
    return JSONResponse(error.body(), status_code=500)


def _expired() -> tuple[int, list[tuple[str, str]], bytes]:
    error = unauthenticated()
    return 401, list(error.headers.items()), json.dumps(error.body()).encode()


def create_app(
    *,
    seed_value: int = 42,
    latency_ms: int = 0,
    rate_limits: bool | dict = True,
    access_token_lifetime: int = 3600,
    clock: Callable[[], float] = time.time,
) -> GoogleApp:
    """Build the emulator. ``rate_limits``: True (defaults, per user), False, or ``{"GET": n, ...}`` per second."""
    tokens = TokenStore(clock=clock, access_token_lifetime=access_token_lifetime)
    store = DriveStore(seed=seed_value, clock=clock)
    seed(store)
    gmail = GmailStore(seed=seed_value, clock=clock)
    seed_gmail(gmail)
    settings = GoogleSettings(tokens, store.policy, lambda: store.expire_change_tokens())

    def reset() -> None:
        store.__init__(seed=seed_value, clock=clock)  # type: ignore[misc]  # in place: routes hold this store
        seed(store)
        settings.policy = store.policy
        settings.quota_answer, settings.quota_reason = 403, "userRateLimitExceeded"
        tokens.reset()
        gmail.__init__(seed=seed_value, clock=clock)  # type: ignore[misc]  # in place: routes hold this store
        seed_gmail(gmail)
        budget.reset()

    def tenant(scope: dict) -> str:
        """Quotas are per user: the account behind the bearer token (also noted for the request log)."""
        for key, value in scope.get("headers", []):
            if key == b"authorization":
                found = tokens.lookup(value.decode("latin-1").partition(" ")[2].strip())
                if found is not None:
                    scope.setdefault("state", {})["google_user"] = found.user.email
                    return found.user.email
        return "anonymous"

    def template(scope: dict) -> str:
        """One bucket per API (``/drive/...``, ``/upload/drive/...``, ``/batch/drive/...`` are all "drive")."""
        parts = scope["path"].strip("/").split("/")
        if parts[0] in ("upload", "batch") and len(parts) > 1:
            parts = parts[1:]
        return parts[0] if parts[0] in ("drive", "gmail") else "identity"

    state = SandboxState(latency_ms=latency_ms, rate_limits=rate_limits, log=RedactingLog())
    hooks = Hooks(
        tenant_for=tenant,
        template_for=template,
        error_body=injected_body,
        expired_credentials=_expired,
        rate_limit_reason="userRateLimitExceeded",
        on_reset=reset,
        account_key="google_user",
    )
    budget = UnitBudget(lambda: gmail.settings.units_per_second)
    app = GoogleWithGmailApp(
        routes=identity_routes(tokens)
        + drive_routes.routes(store, tokens)
        + gmail_routes.routes(gmail, tokens, budget, lambda: state.limiter.enabled)
        + people_routes.routes(tokens)
        + batch.routes("/batch/drive/v3", "/batch/gmail/v1", "/batch"),
        exception_handlers={HTTPException: _not_found, Exception: _internal_error},
        sandbox_state=state,
        sandbox_hooks=hooks,
        settings=settings,
        gmail=gmail,
    )
    app.state.drive = store
    app.state.tokens = tokens
    app.state.gmail = gmail
    return app
