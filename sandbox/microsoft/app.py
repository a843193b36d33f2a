"""The Microsoft 365 emulator: Entra ID (``/{tenant}/...``) and Graph v1.0 (``/v1.0/...``) in one Starlette app.

Graph workloads are tried in order on every ``/v1.0`` path: the directory (``/me``, ``/users/{id}``), drives
and sites, then Outlook mail (``mail/``, with its per-mailbox concurrency layer and ``/__sandbox/mail/`` controls),
then contacts, relevant people and the ``/users`` directory (``people/``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ..common.app import SandboxApp
from ..common.middleware import Hooks, SandboxState
from . import directory, identity
from .budget import ResourceUnits
from .control import MicrosoftControl
from .drive import routes as drive_routes
from .drive.model import DriveStore
from .drive.seed import seed
from .graph import GraphError, error_body, error_response, rate_key_from_header, unauthenticated
from .mail import routes as mail_routes
from .mail import uploads as mail_uploads
from .mail.concurrency import MailboxConcurrency
from .mail.control import mail_control
from .mail.model import MailStore
from .mail.seed import seed as seed_mail
from .people import routes as people_routes
from .tokens import Tokens

logger = logging.getLogger(__name__)
Workload = Callable[[Request, str], "Awaitable[Response | None] | Response | None"]
GRAPH_WORKLOADS: list[Workload] = [
    directory.dispatch,
    drive_routes.dispatch,
    mail_routes.dispatch,
    people_routes.dispatch,
]
_STATUS_CODES = {
    500: "generalException",
    502: "badGateway",
    503: "serviceNotAvailable",
    504: "gatewayTimeout",
    429: "TooManyRequests",
}


async def graph_endpoint(request: Request) -> Response:
    path = "/" + request.path_params["rest"]
    try:
        for workload in GRAPH_WORKLOADS:
            answer = workload(request, path)
            if answer is not None and not isinstance(answer, Response):
                answer = await answer
            if answer is not None:
                return answer
    except GraphError as exc:
        return error_response(exc)
    except Exception as exc:  # a sandbox bug: still answer in Graph's shape, and say where to look
        logger.exception("Graph emulator failed on %s %s", request.method, path)
        return error_response(
            GraphError(500, "generalException", f"Sandbox error ({type(exc).__name__}); see the sandbox log.")
        )
    segment = next((p for p in path.split("/") if p), "")
    return error_response(GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'."))


async def _not_found(request: Request, exc: HTTPException) -> Response:
    return JSONResponse(
        error_body(
            "itemNotFound" if exc.status_code == 404 else "BadRequest",
            f"{request.method} {request.url.path}: {exc.detail}",
        ),
        status_code=exc.status_code,
    )


def _tenant(scope: dict[str, Any]) -> str:
    """Throttling is per user (or per app for app-only tokens), as Graph's per-user limits."""
    if not scope["path"].startswith("/v1.0/"):
        return "identity"
    header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
    return rate_key_from_header(header)


def _template(scope: dict[str, Any]) -> str:
    return "/v1.0" if scope["path"].startswith("/v1.0/") else scope["path"]


def _error(status: int) -> tuple[bytes, str]:
    code = _STATUS_CODES.get(status, "generalException")
    return json.dumps(
        error_body(code, f"The service answered {status} (injected failure).")
    ).encode(), "application/json"


def _expired() -> tuple[int, list[tuple[str, str]], bytes]:
    exc = unauthenticated("Lifetime validation failed, the token is expired.")
    return 401, list(exc.headers.items()), json.dumps(error_body(exc.code, exc.message)).encode()


def _seeded_mail() -> MailStore:
    mail = MailStore()
    seed_mail(mail)
    return mail


class MicrosoftApp(SandboxApp):
    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()  # type: ignore[no-untyped-call]  # untyped in sandbox/common
        return MailboxConcurrency(MicrosoftControl(inner, self), self)


def create_app(*, latency_ms: int = 0, rate_limits: bool | dict[str, Any] = True) -> MicrosoftApp:
    """Build the emulator. ``rate_limits``: True (defaults per user and method), False, or ``{"GET": n, ...}``."""
    store = DriveStore()
    seed(store)
    tokens = Tokens()

    def reset() -> None:
        fresh = DriveStore()
        seed(fresh)
        app.state.drives = fresh
        app.state.mail = _seeded_mail()
        app.state.upload_sessions.clear()
        app.state.device_codes.clear()
        tokens.reset()
        app.state.resource_units.reset()

    state = SandboxState(latency_ms=latency_ms, rate_limits=rate_limits)
    hooks = Hooks(
        tenant_for=_tenant,
        template_for=_template,
        error_body=_error,
        expired_credentials=_expired,
        rate_limit_reason="graph-per-user",
        on_reset=reset,
        extra_control=mail_control(lambda: app.state.mail),
    )
    routes = [
        *identity.routes(),
        *drive_routes.public_routes(),
        *mail_uploads.public_routes(),
        Route("/v1.0/{rest:path}", graph_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = MicrosoftApp(
        routes=routes, exception_handlers={HTTPException: _not_found}, sandbox_state=state, sandbox_hooks=hooks
    )
    app.state.drives = store
    app.state.mail = _seeded_mail()
    app.state.tokens = tokens
    app.state.upload_sessions = {}
    app.state.device_codes = {}
    app.state.resource_units = ResourceUnits()
    return app
