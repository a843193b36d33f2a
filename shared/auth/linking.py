"""The one-time link page: a person whose sign-in named no upstream account connects one, once.

People who reach a server with a token from the company's IdP (AUTH_MODE=external) or with an identity
assertion (SEP-990) never went through the upstream's login, so the vault has no upstream tokens for them. Their
first tool call answers with a link made for them alone (`offer(subject)`): random, usable once, valid for
`LINK_TTL_SECONDS`. Opening it shows a page naming the upstream; its button (a POST, so that link previews never
use it up) sends the person to the upstream's own login, whose callback stores their tokens in the vault under the
subject of their sign-in. From then on, tools act with that upstream account.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from html import escape

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..caller import Caller
from ..credentials import Credential, CredentialProvider
from ..state import State
from .broker import UpstreamIdentityProvider, UpstreamLoginFailed
from .errors import UpstreamLinkMissing
from .pages import error_page, page
from .vault import TokenVault

log = logging.getLogger(__name__)

LINK_TTL_SECONDS = 15 * 60


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()  # stored: the link itself never is


class LinkPages:
    """The link page of one upstream: `/oauth/link/<upstream>/<token>` and its callback."""

    def __init__(
        self,
        *,
        issuer: str,
        upstream: UpstreamIdentityProvider,
        scopes: Sequence[str],
        vault: TokenVault,
        state: State,
        service_name: str = "this server",
    ):
        self.issuer, self.upstream, self.scopes, self.vault = issuer.rstrip("/"), upstream, list(scopes), vault
        self.service_name, self.state = service_name, state
        self._pending = state.cache(LINK_TTL_SECONDS)
        self.path = f"/oauth/link/{upstream.name}"  # one page per upstream: a server may broker to several
        self.callback_url = f"{self.issuer}{self.path}/callback"

    async def offer(self, subject: str) -> str:
        """A new one-time link for `subject` (their earlier links stay valid until used or expired)."""
        token = secrets.token_urlsafe(32)
        self._pending.put("link", "offer", _digest(token), subject)
        return f"{self.issuer}{self.path}/{token}"

    async def _take(self, namespace: str, key: str) -> str | None:
        """The subject behind a pending link or login, removed so that it works once."""
        async with self.state.lock(f"link:{namespace}:{key}"):
            subject = self._pending.peek("link", namespace, key)
            if subject is not None:
                self._pending.invalidate("link", namespace, key)
            return subject if isinstance(subject, str) else None

    def routes(self) -> list[Route]:
        return [
            Route(self.path + "/callback", endpoint=self.callback, methods=["GET"]),
            Route(self.path + "/{token}", endpoint=self.link, methods=["GET", "POST"]),
        ]

    async def link(self, request: Request) -> Response:
        token = request.path_params["token"]
        expired = error_page(
            "This link cannot be used",
            "It was already used, or it expired. Ask again in your app: it gives you a new link.",
            status=410,
        )
        if request.method == "GET":
            if self._pending.peek("link", "offer", _digest(token)) is None:
                return expired
            return self._start_page(request.url.path)
        subject = await self._take("offer", _digest(token))
        if subject is None:
            return expired
        login = secrets.token_urlsafe(24)
        self._pending.put("link", "login", login, subject)
        # Off the loop: an adapter may read its IdP's metadata first (msal).
        url = await anyio.to_thread.run_sync(self.upstream.authorize_url, login, self.callback_url, self.scopes)
        return RedirectResponse(url, status_code=303)

    async def callback(self, request: Request) -> Response:
        login, code = request.query_params.get("state", ""), request.query_params.get("code")
        subject = await self._take("login", login) if login else None
        if subject is None:
            return error_page("This connection expired", "Open a new link from your app and try again.", status=400)
        if not code:
            why = request.query_params.get("error", "no authorization code")
            return error_page("Not connected", f"{self.upstream.display_name} did not connect the account ({why}).")
        try:
            account, tokens = await self.upstream.exchange(code, self.callback_url)
        except UpstreamLoginFailed as exc:
            return error_page("Not connected", str(exc), status=502)
        await self.vault.put(subject, self.upstream.name, tokens)
        log.info("auth: an upstream account was linked to a sign-in (%s)", self.upstream.name)
        name = escape(account.name or account.email or "your account")
        body = (
            f"<h1>{escape(self.upstream.display_name)} connected</h1>"
            f"<p>{name} is now connected to {escape(self.service_name)}.</p>"
            '<p class="muted">Close this window and ask again in your app.</p>'
        )
        return page("Connected", body)

    def _start_page(self, action: str) -> HTMLResponse:
        upstream = escape(self.upstream.display_name)
        body = (
            f"<h1>Connect your {upstream} account</h1>"
            f"<p>{escape(self.service_name)} acts with your own {upstream} permissions. "
            f"Sign in with {upstream} once to connect them.</p>"
            f'<form method="post" action="{escape(action)}"><div class="actions">'
            f'<button class="primary" type="submit">Continue to {upstream}</button></div></form>'
            '<p class="muted">This link works once. You can disconnect at any time.</p>'
        )
        return page(f"Connect {self.upstream.display_name}", body)


class LinkingCredentials:
    """A vault-backed credential provider that answers a missing upstream link with a one-time link page.

    Only for people whose sign-in did not come from that upstream (their subject is not `<upstream>:...`): for
    the others the reconnect challenge (signing in again through the upstream) is the right answer.
    """

    def __init__(self, inner: CredentialProvider, links: Sequence[LinkPages]):
        self.inner = inner
        self.links = {key: page for page in links for key in (page.upstream.name, page.upstream.display_name)}

    async def for_caller(self, caller: Caller) -> Credential:
        try:
            return await self.inner.for_caller(caller)
        except UpstreamLinkMissing as exc:
            raise await self._offered(caller, exc) from None

    async def refreshed(self, caller: Caller, refused: Credential) -> Credential:
        renew = getattr(self.inner, "refreshed", None)
        if renew is None:
            raise UpstreamLinkMissing("upstream", "the token was refused")
        try:
            credential: Credential = await renew(caller, refused)
            return credential
        except UpstreamLinkMissing as exc:
            raise await self._offered(caller, exc) from None

    def default(self) -> Credential:
        return self.inner.default()

    async def _offered(self, caller: Caller, missing: UpstreamLinkMissing) -> UpstreamLinkMissing:
        page = self.links.get(missing.upstream)
        if page is None or not caller.subject or caller.subject.startswith(page.upstream.name + ":"):
            return missing
        link = await page.offer(caller.subject)
        return UpstreamLinkMissing(page.upstream.display_name, missing.reason, link=link)
