"""The HTTP face of the built-in authorization server: the SDK's OAuth routes plus ours.

`authorization_server_routes(provider, keys)` returns Starlette routes to mount at the root of the
issuer's origin:

- `/.well-known/oauth-authorization-server`: RFC 8414 metadata (the SDK's, completed with
  `client_id_metadata_document_supported`, `authorization_response_iss_parameter_supported`,
  `offline_access` in `scopes_supported`, public clients, and our `jwks_uri`).
- `/authorize`, `/token`, `/register` (DCR), `/revoke`: the SDK's handlers over our provider; error
  redirects from `/authorize` get our `iss` added, so every authorization response carries it.
- `/oauth/consent` (GET shows, POST decides), `/oauth/callback` (the upstream's redirect URI),
  `/oauth/jwks.json` (public signing keys).
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mcp.server.auth.routes import build_metadata, cors_middleware, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from pydantic import AnyHttpUrl
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import binding
from .broker import UpstreamLoginFailed
from .keys import SigningKeys
from .pages import consent_page, error_page
from .provider import BrokeredProvider, ServerPolicy

JWKS_PATH = "/oauth/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"
NO_STORE = {"Cache-Control": "no-store"}


def authorization_server_routes(provider: BrokeredProvider, keys: SigningKeys) -> list[Route]:
    policy = provider.policy
    issuer = AnyHttpUrl(policy.issuer)
    registration = ClientRegistrationOptions(enabled=True, valid_scopes=policy.scopes, default_scopes=policy.scopes)
    revocation = RevocationOptions(enabled=True)
    sdk_routes = create_auth_routes(
        provider,
        issuer,
        client_registration_options=registration,
        revocation_options=revocation,
        identity_assertion_enabled=provider.assertions is not None,  # SEP-990, when an enterprise IdP is trusted
    )
    routes: list[Route] = []
    for route in sdk_routes:
        if route.path == METADATA_PATH:
            continue  # replaced below
        if route.path == "/authorize":
            route = Route(route.path, endpoint=AuthorizeResponses(route.app, provider), methods=["GET", "POST"])
        routes.append(route)
    metadata = metadata_document(provider, registration, revocation)
    routes += [
        # Browser-based clients (the MCP Inspector) read these cross-origin, as the SDK's own metadata route allows.
        Route(
            METADATA_PATH,
            endpoint=cors_middleware(lambda request: JSONResponse(metadata), ["GET", "OPTIONS"]),
            methods=["GET", "OPTIONS"],
        ),
        Route(
            JWKS_PATH,
            endpoint=cors_middleware(
                lambda request: JSONResponse(keys.jwks(), headers={"Cache-Control": "max-age=300"}), ["GET", "OPTIONS"]
            ),
            methods=["GET", "OPTIONS"],
        ),
        Route(policy.consent_path, endpoint=ConsentEndpoint(provider).handle, methods=["GET", "POST"]),
        Route(policy.callback_path, endpoint=CallbackEndpoint(provider).handle, methods=["GET"]),
    ]
    return routes


def metadata_document(
    provider: BrokeredProvider, registration: ClientRegistrationOptions, revocation: RevocationOptions
) -> dict[str, Any]:
    policy = provider.policy
    base = build_metadata(
        AnyHttpUrl(policy.issuer), None, registration, revocation, supports_identity_assertion=bool(provider.assertions)
    )
    document = base.model_dump(mode="json", exclude_none=True)
    document["issuer"] = policy.issuer  # exactly as configured (RFC 8414 §3.3 compares strings)
    document.update(
        scopes_supported=policy.scopes,
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=["none", "client_secret_post", "client_secret_basic"],
        client_id_metadata_document_supported=True,
        authorization_response_iss_parameter_supported=True,
        jwks_uri=policy.url(JWKS_PATH),
    )
    return document


class AuthorizeResponses:
    """Complete the SDK's /authorize answers: `iss` on error redirects (RFC 9207: on every authorization
    response), and the browser-binding cookie when the person is sent on to our consent step."""

    def __init__(self, app: ASGIApp, provider: BrokeredProvider):
        self.app, self.provider = app, provider
        self.issuer = provider.policy.issuer
        self.consent_url = provider.policy.url(provider.policy.consent_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: dict[str, Any] = {}  # a refusal that cannot go back to the app: shown as a page instead

        async def send_completed(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (302, 303, 307):
                headers = [self._with_iss(name, value) for name, value in message["headers"]]
                message["headers"] = headers + self._binding_cookie(headers)
            elif message["type"] == "http.response.start" and _json_refusal(scope, message):
                held["body"] = b""
                return
            elif message["type"] == "http.response.body" and "body" in held:
                held["body"] += message.get("body", b"")
                if not message.get("more_body"):
                    await _refusal_page(held["body"])(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, send_completed)

    def _with_iss(self, name: bytes, value: bytes) -> tuple[bytes, bytes]:
        if name.lower() != b"location":
            return name, value
        parts = urlsplit(value.decode())
        query = parse_qsl(parts.query, keep_blank_values=True)
        keys = {key for key, _ in query}
        if "error" not in keys or "iss" in keys:
            return name, value
        query.append(("iss", self.issuer))
        return name, urlunsplit(parts._replace(query=urlencode(query))).encode()

    def _binding_cookie(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        location = next((value.decode() for name, value in headers if name.lower() == b"location"), "")
        if not location.startswith(self.consent_url + "?"):
            return []
        login_id = dict(parse_qsl(urlsplit(location).query)).get("request", "")
        policy = self.provider.policy
        cookie = binding.set_cookie_header(
            login_id, path=_cookie_path(policy), max_age=policy.login_ttl, secure=self.issuer.startswith("https://")
        )
        return [(b"set-cookie", cookie.encode())]


def _cookie_path(policy: ServerPolicy) -> str:
    """The longest path both our consent page and our callback live under (both /oauth/... by default)."""
    common = os.path.commonpath([policy.consent_path, policy.callback_path])
    return common if common.startswith("/") else "/"


def _not_this_browser() -> Response:
    return error_page(
        "This sign-in was started elsewhere",
        "For your safety, a sign-in must finish in the browser that started it. Start the connection again "
        "from your app, in this browser.",
        403,
    )


class ConsentEndpoint:
    def __init__(self, provider: BrokeredProvider):
        self.provider = provider

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            login_id = request.query_params.get("request", "")
        else:
            form = await request.form()
            login_id = str(form.get("request", ""))
        pending = await self.provider.grants.peek_pending(login_id) if login_id else None
        if pending is None:
            return _expired()
        if not binding.is_bound(request, login_id):
            return _not_this_browser()
        if request.method == "GET" and not self.provider.policy.require_consent:
            return await self._to_upstream(login_id, pending)
        if request.method == "GET":
            return consent_page(
                client_name=pending["client_name"],
                client_host=urlsplit(pending["redirect_uri"]).hostname or "",
                upstream_name=self.provider.upstream_names,
                scopes=pending["scopes"],
                request_id=login_id,
                action=self.provider.policy.consent_path,
            )
        if form.get("decision") == "allow":
            return await self._to_upstream(login_id, pending)
        target = await self.provider.deny(login_id)
        return RedirectResponse(target, 303, headers=NO_STORE) if target else _expired()

    async def _to_upstream(self, login_id: str, pending: dict[str, Any]) -> Response:
        """On to the first upstream's login (a chain of several starts at the first, whatever step it is at)."""
        try:
            target = await self.provider.upstream_login_url(login_id, pending["scopes"], int(pending.get("step", 0)))
        except UpstreamLoginFailed as exc:
            return error_page("The sign-in service cannot be reached", f"{exc}. Try again in a few minutes.", 502)
        return RedirectResponse(target, 303, headers=NO_STORE)


class CallbackEndpoint:
    def __init__(self, provider: BrokeredProvider):
        self.provider = provider

    async def handle(self, request: Request) -> Response:
        params = request.query_params
        login_id = params.get("state", "")
        if login_id and not binding.is_bound(request, login_id):
            # Checked before the login is consumed: a forwarded link must not burn the real person's login.
            pending = await self.provider.grants.peek_pending(login_id)
            return _not_this_browser() if pending is not None else _expired()
        outcome = (
            await self.provider.complete_login(login_id, params.get("code"), params.get("error")) if login_id else None
        )
        if outcome is None:
            return _expired()
        target, done = outcome
        response = RedirectResponse(target, 302, headers=NO_STORE)
        if done:  # a login through several upstreams keeps its browser binding until the last callback
            binding.forget(response, login_id, path=_cookie_path(self.provider.policy))
        return response


def _expired() -> Response:
    return error_page(
        "This sign-in request has expired", "It was already used, or it is more than a few minutes old.", 400
    )


def _json_refusal(scope: Scope, start: Message) -> bool:
    """The SDK's JSON 400 to a browser's GET /authorize (bad redirect URI, unknown client): nobody reads JSON there."""
    content_type = dict(start.get("headers", [])).get(b"content-type", b"")
    return scope.get("method") == "GET" and start["status"] == 400 and content_type.startswith(b"application/json")


def _refusal_page(body: bytes) -> ASGIApp:
    try:
        detail = str(json.loads(body).get("error_description") or "")
    except (ValueError, AttributeError):
        detail = ""
    message = detail or "The request to connect was not valid."
    return error_page("This app cannot be connected", message, 400)
