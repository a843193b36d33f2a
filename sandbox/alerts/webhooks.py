"""Slack and Microsoft Teams incoming webhooks that check the documented payload and record it.

* ``POST /slack/{id}``: Slack's incoming webhook (api.slack.com/messaging/webhooks): JSON with ``text`` and/or
  ``blocks``; answers ``200 ok`` as Slack does, ``400 invalid_payload`` / ``no_text`` otherwise.
* ``POST /teams/{id}``: a Teams webhook (Workflows or the classic connector): ``{"type": "message",
  "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": {AdaptiveCard}}]}`` or a
  classic ``MessageCard``; answers 202 (Workflows) or 400 with the reason.
* ``GET /__sandbox/received`` lists what was accepted; ``DELETE`` clears it; ``POST /__sandbox/fail
  {"times": n, "status": 503}`` makes the next n posts fail.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


class Inbox:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.failures: list[int] = []
        self.lock = threading.Lock()


def slack_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "invalid_payload"
    if not body.get("text") and not body.get("blocks"):
        return "no_text"
    if "blocks" in body and not (isinstance(body["blocks"], list) and all("type" in b for b in body["blocks"])):
        return "invalid_blocks"
    return ""


def teams_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    if body.get("@type") == "MessageCard":
        return "" if body.get("text") or body.get("sections") else "a MessageCard needs text or sections"
    attachments = body.get("attachments")
    if body.get("type") != "message" or not isinstance(attachments, list) or not attachments:
        return 'expected {"type": "message", "attachments": [...]}'
    for attachment in attachments:
        card = attachment.get("content") or {}
        if attachment.get("contentType") != ADAPTIVE or card.get("type") != "AdaptiveCard" or not card.get("body"):
            return "each attachment must be an Adaptive Card with a body"
    return ""


def create_app() -> Starlette:
    inbox = Inbox()

    async def receive(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("slack", "teams"):
            return PlainTextResponse("no such webhook", status_code=404)
        with inbox.lock:
            failing = inbox.failures.pop(0) if inbox.failures else 0
        if failing:
            return PlainTextResponse("unavailable", status_code=failing)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        problem = slack_problem(body) if kind == "slack" else teams_problem(body)
        if problem:
            return PlainTextResponse(problem, status_code=400)
        with inbox.lock:
            inbox.received.append({"kind": kind, "hook": request.path_params["hook"], "body": body})
        return PlainTextResponse("ok") if kind == "slack" else Response(status_code=202)

    async def received(request: Request) -> Response:
        with inbox.lock:
            if request.method == "DELETE":
                inbox.received.clear()
            return JSONResponse({"received": list(inbox.received)})

    async def fail(request: Request) -> Response:
        spec = await request.json()
        with inbox.lock:
            inbox.failures += [int(spec.get("status", 503))] * int(spec.get("times", 1))
        return JSONResponse({"failing": len(inbox.failures)})

    app = Starlette(
        routes=[
            Route("/__sandbox/received", received, methods=["GET", "DELETE"]),
            Route("/__sandbox/fail", fail, methods=["POST"]),
            Route("/{kind:str}/{hook:path}", receive, methods=["POST"]),
        ]
    )
    app.state.inbox = inbox
    return app
