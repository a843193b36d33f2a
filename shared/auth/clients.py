"""Who may ask for tokens: redirect-URI patterns, dynamically registered clients, and CIMD clients.

A redirect URI is accepted only if it matches one of the configured patterns; `*` stands for one
path segment (or a port), `**` for any rest of the path. The default allows ChatGPT's documented
callbacks and loopback addresses for local development.

Clients come in two kinds:
- **Client ID Metadata Documents (CIMD)**: the `client_id` is an https URL; its JSON document is
  fetched (no redirects, small, quick), checked (its `client_id` must be that URL, it must be a
  public client, its redirect URIs must match the patterns) and cached for `cimd_cache_seconds`.
- **Dynamic Client Registration (RFC 7591)**: the SDK's `/register` creates the record; we refuse
  redirect URIs outside the patterns and keep the record (with its secret) encrypted in the database.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import httpx
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import AnyUrl, ValidationError

from ..settings import is_loopback
from .crypto import DecryptionFailed, KeyRing
from .db import Database
from .rotation import reencrypt_table

log = logging.getLogger(__name__)

CHATGPT_REDIRECT_PATTERNS = (
    "https://chatgpt.com/connector/oauth/*",
    "https://chatgpt.com/connector_platform_oauth_redirect",
)
LOOPBACK_REDIRECT_PATTERNS = ("http://127.0.0.1:*/**", "http://localhost:*/**", "http://[::1]:*/**")
DEFAULT_REDIRECT_PATTERNS = CHATGPT_REDIRECT_PATTERNS + LOOPBACK_REDIRECT_PATTERNS
MAX_DOCUMENT_BYTES = 64 * 1024


class DocumentRefused(Exception):
    """A client metadata document we will not use; the message says why (it is logged, never secret)."""


class RedirectPolicy:
    def __init__(self, patterns: Iterable[str] = DEFAULT_REDIRECT_PATTERNS):
        self.patterns = list(patterns)
        self._compiled = [re.compile(_pattern_regex(pattern)) for pattern in self.patterns]

    def allows(self, uri: str) -> bool:
        if "#" in uri:
            return False  # RFC 6749 §3.1.2: no fragment
        return any(regex.fullmatch(uri) for regex in self._compiled)


def _pattern_regex(pattern: str) -> str:
    parts = re.split(r"(\*\*|\*)", pattern)
    return "".join("[^?#]*" if part == "**" else "[^/?#:@]+" if part == "*" else re.escape(part) for part in parts)


class ClientRegistry:
    def __init__(
        self,
        db: Database,
        keys: KeyRing,
        policy: RedirectPolicy,
        *,
        scopes: list[str],
        http: httpx.AsyncClient | None = None,
        cimd_cache_seconds: float = 3600.0,
        allow_insecure_loopback_cimd: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.db, self.keys, self.policy, self.scopes = db, keys, policy, scopes
        self._http = http or httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        self.cimd_cache_seconds, self.allow_insecure_loopback_cimd = cimd_cache_seconds, allow_insecure_loopback_cimd
        self.clock = clock
        self._cache: dict[str, tuple[float, OAuthClientInformationFull | None]] = {}

    # -- lookup --------------------------------------------------------------------------------------------
    async def get(self, client_id: str) -> OAuthClientInformationFull | None:
        if self.is_metadata_document_url(client_id):
            return await self._metadata_document_client(client_id)
        row = await self.db.run(
            lambda tx: tx.one("SELECT ciphertext FROM oauth_clients WHERE client_id = ?", (client_id,)), read_only=True
        )
        if row is None:
            return None
        try:
            return OAuthClientInformationFull.model_validate_json(self.keys.decrypt(row[0], _context(client_id)))
        except DecryptionFailed as exc:
            log.warning("auth: registered client %s cannot be read (%s); it must register again", client_id, exc)
            return None

    def is_metadata_document_url(self, client_id: str) -> bool:
        parts = urlsplit(client_id)
        if parts.scheme == "https" and parts.hostname and parts.path not in ("", "/"):
            return True
        return self.allow_insecure_loopback_cimd and parts.scheme == "http" and is_loopback(parts.hostname)

    # -- dynamic client registration -------------------------------------------------------------------------
    async def register(self, client: OAuthClientInformationFull) -> None:
        uris = [str(uri) for uri in client.redirect_uris or []]
        refused = [uri for uri in uris if not self.policy.allows(uri)]
        if refused:
            raise RegistrationError(
                "invalid_redirect_uri",
                f"redirect URI {refused[0]} is not allowed here; allowed forms: {', '.join(self.policy.patterns)}",
            )
        plaintext = client.model_dump_json(exclude_none=True).encode()
        ciphertext = self.keys.encrypt(plaintext, _context(client.client_id))
        await self.db.run(
            lambda tx: tx.exec(
                "INSERT INTO oauth_clients (client_id, ciphertext, created_at) VALUES (?, ?, ?)",
                (client.client_id, ciphertext, time.time()),
            )
        )

    async def reencrypt(self) -> int:
        """Move registered clients' records to the current vault key; returns how many moved."""
        return await self.db.run(
            lambda tx: reencrypt_table(tx, self.keys, "oauth_clients", ["client_id"], lambda ids: _context(ids[0]))
        )

    # -- client ID metadata documents ------------------------------------------------------------------------
    async def _metadata_document_client(self, url: str) -> OAuthClientInformationFull | None:
        cached = self._cache.get(url)
        if cached is not None and self.clock() < cached[0]:
            return cached[1]
        try:
            client = await self._fetch_document(url)
        except DocumentRefused as exc:
            log.warning("auth: refusing the client metadata document at %s: %s", url, exc)
            client = None
        # A refusal is cached briefly too, so a bad client cannot make us fetch on every request.
        ttl = self.cimd_cache_seconds if client is not None else min(60.0, self.cimd_cache_seconds)
        self._cache[url] = (self.clock() + ttl, client)
        return client

    async def _fetch_document(self, url: str) -> OAuthClientInformationFull:
        try:
            async with self._http.stream("GET", url, headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    raise DocumentRefused(f"fetching it answered HTTP {response.status_code}")
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise DocumentRefused(f"it is larger than {MAX_DOCUMENT_BYTES} bytes")
        except httpx.HTTPError as exc:
            raise DocumentRefused(f"it could not be fetched ({type(exc).__name__})") from None
        try:
            document = json.loads(body)
        except ValueError:
            raise DocumentRefused("it is not JSON") from None
        if not isinstance(document, dict):
            raise DocumentRefused("it is not a JSON object")
        if document.get("client_id") != url:
            raise DocumentRefused("its client_id is not the URL it was fetched from")
        method = document.get("token_endpoint_auth_method", "none")
        if method != "none" or "client_secret" in document:
            raise DocumentRefused(
                f"token_endpoint_auth_method {method!r} is not supported (only public clients, 'none')"
            )
        uris = [uri for uri in document.get("redirect_uris") or [] if isinstance(uri, str)]
        allowed = [uri for uri in uris if self.policy.allows(uri)]
        if not allowed:
            raise DocumentRefused("none of its redirect_uris is allowed by the configured redirect URI patterns")
        try:
            return OAuthClientInformationFull(
                client_id=url,
                client_name=document.get("client_name") if isinstance(document.get("client_name"), str) else None,
                redirect_uris=[AnyUrl(uri) for uri in allowed],
                token_endpoint_auth_method="none",
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                scope=" ".join(self.scopes),
            )
        except ValidationError:
            raise DocumentRefused("its redirect_uris are not valid URLs") from None

    async def aclose(self) -> None:
        await self._http.aclose()


def _context(client_id: str) -> str:
    return f"oauth-client:{client_id}"
