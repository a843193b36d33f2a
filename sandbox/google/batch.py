"""Google's batch endpoint: ``POST /batch/drive/v3`` (and ``/batch/<api>/<version>`` for later APIs).

A ``multipart/mixed`` body of ``application/http`` parts, each one request line, headers and body. Each part is
run through the whole app (so per-user quotas and faults apply per part, as at Google) with the outer request's
headers as defaults, and answered as a part with ``Content-ID: <response-ID>``. At most 100 parts.
"""

from __future__ import annotations

import email
import email.policy
import secrets
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import GoogleError, error_response

MAX_PARTS = 100


def _parse_part(payload: str) -> tuple[str, str, dict[str, str], bytes]:
    """An ``application/http`` payload -> (method, target, headers, body)."""
    text = payload.lstrip("\r\n")
    request_line, _, rest = text.partition("\n")
    try:
        method, target, _version = request_line.strip().split(" ", 2)
    except ValueError:
        raise GoogleError(400, f"Bad request line in batch part: {request_line.strip()!r}", "badRequest") from None
    message = email.message_from_string(rest, policy=email.policy.compat32)
    headers = {k.lower(): str(v) for k, v in message.items()}
    body = message.get_payload()
    raw = body.encode("utf-8") if isinstance(body, str) else b""
    return method.upper(), target, headers, raw.strip(b"\r\n") if raw.strip() else b""


async def _run(request: Request, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple:
    outer = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.scope["headers"]}
    merged = {k: v for k, v in outer.items() if k in ("authorization", "user-agent", "x-goog-api-client")}
    merged.update({k: v for k, v in headers.items() if k not in ("host", "content-length", "mime-version")})
    merged["content-length"] = str(len(body))
    url = urlsplit(target)
    scope = {
        **request.scope,
        "path": url.path,
        "raw_path": url.path.encode(),
        "query_string": url.query.encode(),
        "method": method,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in merged.items()],
        "state": {},
    }
    scope.pop("route", None)
    scope.pop("path_params", None)
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    return start.get("status", 500), start.get("headers", []), b"".join(chunks)


def _response_part(content_id: str, status: int, headers: list, body: bytes) -> bytes:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = [f"HTTP/1.1 {status} {reason}"]
    for key, value in headers:
        name = key.decode("latin-1")
        if name.lower() not in ("content-length", "transfer-encoding"):
            lines.append(f"{name.title()}: {value.decode('latin-1')}")
    lines.append(f"Content-Length: {len(body)}")
    inner = "\r\n".join(lines).encode() + b"\r\n\r\n" + body
    cid = content_id.strip()
    cid = f"<response-{cid[1:-1]}>" if cid.startswith("<") and cid.endswith(">") else f"response-{cid}"
    return b"Content-Type: application/http\r\nContent-ID: " + cid.encode() + b"\r\n\r\n" + inner + b"\r\n"


async def batch(request: Request) -> Response:
    try:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/mixed"):
            raise GoogleError(400, "Batch requests must be multipart/mixed.", "badContent")
        raw = await request.body()
        message = email.message_from_bytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw, policy=email.policy.compat32
        )
        parts = message.get_payload() if message.is_multipart() else []
        if not parts:
            raise GoogleError(400, "The batch request has no parts.", "badContent")
        if len(parts) > MAX_PARTS:
            raise GoogleError(400, f"A batch request may contain at most {MAX_PARTS} calls.", "batchSizeTooLarge")
        boundary = "batch_" + secrets.token_urlsafe(12)
        out = []
        for index, part in enumerate(parts):
            payload = part.get_payload()
            method, target, headers, body = _parse_part(payload if isinstance(payload, str) else "")
            status, resp_headers, resp_body = await _run(request, method, target, headers, body)
            out.append(
                b"--"
                + boundary.encode()
                + b"\r\n"
                + _response_part(part.get("Content-ID", f"<{index + 1}>"), status, resp_headers, resp_body)
            )
        out.append(b"--" + boundary.encode() + b"--\r\n")
        return Response(b"".join(out), media_type=f"multipart/mixed; boundary={boundary}")
    except GoogleError as exc:
        return error_response(exc)


def routes(*paths: str) -> list[Route]:
    return [Route(path, batch, methods=["POST"]) for path in paths]
