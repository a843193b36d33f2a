"""Enterprise mode without a per-person login: the server acts upstream for the verified caller by delegation.

With AUTH_MODE=external the company's IdP signs people in, and nobody meets Google's or Microsoft's login here.
Storage and mail still act as the person, never as a shared account:

- Google: a service account with domain-wide delegation (`AUTH_GOOGLE_SERVICE_ACCOUNT_FILE`, its JSON key)
  signs an assertion naming the person (`sub`: the token's `email` claim, else `preferred_username` or `upn`
  when that is an address), and Google answers with that person's access token. The Workspace admin authorises
  the service account's client id for the connector's scopes (Admin console, Security > API controls >
  Domain-wide delegation). `AUTH_GOOGLE_BASE_URL` moves the token endpoint (the sandbox).
- Microsoft: on-behalf-of (`AUTH_MICROSOFT_OBO=true`, the AUTH_MICROSOFT_* app): the caller's bearer token,
  issued by Entra for our API, is exchanged through msal for a Graph token for the same person.

`DelegatedTokenSet` gives the runtime what `VaultTokenSet` gives: one credential whose secret is a JSON object of
access tokens by the connector's keys (`{"google-drive": ..., "onedrive": ...}`). The upstream scopes are those
the caller's own scopes map to (`SignInSpec.scopes_by_upstream`). Tokens are kept per person and scopes until a
minute before they expire; google-auth and msal block, so they run in worker threads. No token is ever logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

import anyio
import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import service_account
from pydantic import SecretStr

from ..caller import Caller
from ..connector import Connector
from ..credentials import Credential
from ..errors import AuthFailed, ConfigError, PermissionDenied, UpstreamUnavailable
from ..settings import load_settings
from .broker import UpstreamLoginFailed
from .microsoft import RESERVED_SCOPES, MicrosoftAdapter
from .upstreams import google_settings, microsoft_from_env, microsoft_settings

log = logging.getLogger(__name__)

ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
REFUSED_ASSERTION = {"invalid_grant", "interaction_required", "consent_required", "login_required"}


class DelegationRefused(AuthFailed):
    """The upstream would not act for the person with their sign-in (expired, revoked, consent needed): the tool
    boundary answers with the sign-in challenge, so ChatGPT offers to sign in again."""


@dataclass(frozen=True)
class Person:
    """The verified caller as the delegates need them: subject, token claims, and the token itself (for OBO)."""

    subject: str
    claims: Mapping[str, Any]
    assertion: str = field(repr=False)


class Delegate(Protocol):
    name: str  # the upstream: google, microsoft
    display_name: str

    def account(self, person: Person) -> str:
        """Who the person is at the upstream (the key of kept tokens); raises when the sign-in does not say."""
        ...

    def fetch(self, person: Person, scopes: tuple[str, ...]) -> tuple[str, float]:
        """Blocking: a fresh access token for the person and when it expires (epoch seconds)."""
        ...


def person_email(claims: Mapping[str, Any]) -> str | None:
    """The address the sign-in gives: `email`, else `preferred_username` or `upn` when they are addresses."""
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str) and ADDRESS.fullmatch(value.strip()):
            return value.strip().lower()
    return None


class GoogleDelegation:
    """A service account with domain-wide delegation acting as each person (google-auth's JWT-bearer grant)."""

    name, display_name = "google", "Google"

    def __init__(self, info: Mapping[str, Any], *, token_uri: str = "", timeout: float = 15.0):
        info = {**info, "token_uri": token_uri} if token_uri else dict(info)
        try:
            self._base = service_account.Credentials.from_service_account_info(info)  # type: ignore[no-untyped-call]
        except (ValueError, KeyError) as exc:
            raise ConfigError(
                "Configuration error: AUTH_GOOGLE_SERVICE_ACCOUNT_FILE is not a usable service account key "
                f"({type(exc).__name__}): download a JSON key of the service account from the Cloud console"
            ) from None
        self.client_id, self.timeout = str(info.get("client_id", "")), timeout

    def account(self, person: Person) -> str:
        email = person_email(person.claims)
        if email is None:
            raise PermissionDenied(
                "Your sign-in names no e-mail address (no email, preferred_username or upn claim), so this server "
                "cannot act for you at Google. Ask your administrator to add the email claim to the tokens your "
                "company's sign-in issues for this server."
            )
        return email

    def fetch(self, person: Person, scopes: tuple[str, ...]) -> tuple[str, float]:
        email = self.account(person)
        credentials = self._base.with_subject(email).with_scopes(list(scopes))
        session = requests.Session()
        try:
            credentials.refresh(_TimedRequest(GoogleAuthRequest(session), self.timeout))
        except RefreshError as exc:
            raise self._refused(exc, email, scopes) from None
        except TransportError as exc:
            raise UpstreamUnavailable(f"Google's token endpoint could not be reached ({type(exc).__name__}).") from None
        finally:
            session.close()
        expiry = credentials.expiry  # naive UTC
        expires_at = expiry.replace(tzinfo=UTC).timestamp() if expiry is not None else time.time() + 3000
        return str(credentials.token), expires_at

    def _refused(self, exc: RefreshError, email: str, scopes: tuple[str, ...]) -> Exception:
        answer = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
        error, description = str(answer.get("error", "")), str(answer.get("error_description", ""))[:200]
        log.warning("auth: Google refused domain-wide delegation: %s %s", error or "no answer", description)
        if error == "invalid_grant" and "email" in description.lower():
            return PermissionDenied(
                f"Google Workspace has no account {email} (the address your company sign-in gives), so this server "
                "cannot reach Google for you. Ask your administrator to check that your sign-in and your Google "
                "Workspace account use the same address."
            )
        if error == "unauthorized_client":
            return ConfigError(
                f"Google refused the service account's domain-wide delegation (unauthorized_client). In the Google "
                f"Admin console (Security > API controls > Domain-wide delegation) authorise client id "
                f"{self.client_id or '(see the key file)'} for these scopes: {', '.join(scopes)}."
            )
        if error in ("invalid_grant", "invalid_client"):
            return ConfigError(
                f"Google refused the service account key in AUTH_GOOGLE_SERVICE_ACCOUNT_FILE ({error}: {description}"
                "). The key may be deleted or disabled: create a new JSON key for the service account."
            )
        return UpstreamUnavailable(f"Google's token endpoint answered {error or 'an error'}; try again shortly.")


class MicrosoftOnBehalfOf:
    """The caller's Entra token (for our API) exchanged for a Graph token for them (msal's on-behalf-of)."""

    name, display_name = "microsoft", "Microsoft"

    def __init__(self, adapter: MicrosoftAdapter):
        self.adapter = adapter

    def account(self, person: Person) -> str:
        return str(person.claims.get("oid") or person.subject)  # Entra's object id: stable per tenant

    def fetch(self, person: Person, scopes: tuple[str, ...]) -> tuple[str, float]:
        wanted = [scope for scope in scopes if scope not in RESERVED_SCOPES]  # msal adds these and refuses them
        try:
            # The sign-in's msal app (its authority, CA, timeouts, no in-process token cache): one per adapter.
            app = self.adapter.msal_app()
            result: dict[str, Any] = app.acquire_token_on_behalf_of(person.assertion, wanted)
        except (requests.RequestException, UpstreamLoginFailed) as exc:
            raise UpstreamUnavailable(f"Microsoft's sign-in could not be reached ({type(exc).__name__}).") from None
        if "access_token" in result:
            expires_in = result.get("expires_in")
            lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else 3000.0
            return str(result["access_token"]), time.time() + lifetime
        error = str(result.get("error") or "no access token")
        codes = result.get("error_codes")
        code = f"{error} AADSTS{codes[0]}" if isinstance(codes, list) and codes else error
        log.warning("auth: Microsoft refused on-behalf-of: %s", code)  # the code only: descriptions echo requests
        if error in REFUSED_ASSERTION or str(result.get("suberror", "")) in REFUSED_ASSERTION:
            raise DelegationRefused(
                f"Microsoft would not act for you with your current sign-in ({code}): it has expired, was revoked, "
                "or needs your consent again."
            )
        if error in ("invalid_client", "unauthorized_client", "invalid_scope"):
            raise ConfigError(
                f"Microsoft refused this server's on-behalf-of request ({code}): check AUTH_MICROSOFT_CLIENT_ID, "
                "AUTH_MICROSOFT_CLIENT_SECRET and AUTH_MICROSOFT_TENANT, and that the app registration has admin "
                f"consent for {', '.join(wanted)}."
            )
        raise UpstreamUnavailable(f"Microsoft's sign-in answered {code}; try again shortly.")


class _TimedRequest:
    """google-auth's transport with a bounded timeout (its default is two minutes)."""

    def __init__(self, request: Any, timeout: float):
        self.request, self.timeout = request, timeout

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        kwargs["timeout"] = self.timeout
        return self.request(url, method=method, body=body, headers=headers, **kwargs)


class DelegatedTokenSet:
    """A `CredentialProvider`: per caller, one credential holding each upstream's token got by delegation."""

    def __init__(
        self,
        delegates: Mapping[str, Delegate],
        scopes_by_upstream: Mapping[str, Mapping[str, Sequence[str]]],
        *,
        system: str,
        margin: float = 60.0,
        clock: Callable[[], float] = time.time,
        person: Callable[[Caller], Person] | None = None,
    ):
        self.delegates, self.scopes_by_upstream, self.system = dict(delegates), scopes_by_upstream, system
        self.margin, self.clock, self._person = margin, clock, person or inbound_person
        self._kept: dict[tuple[str, str, tuple[str, ...]], tuple[str, float]] = {}
        self._locks: dict[tuple[str, str, tuple[str, ...]], anyio.Lock] = {}

    async def for_caller(self, caller: Caller) -> Credential:
        return await self._credential(caller, {})

    async def refreshed(self, caller: Caller, refused: Credential) -> Credential:
        """After an upstream 401: every token that is still the refused one is fetched again."""
        try:
            stale = json.loads(refused.secret.get_secret_value())
        except ValueError:
            stale = {}
        return await self._credential(caller, stale if isinstance(stale, dict) else {})

    def default(self) -> Credential:
        raise ConfigError("Delegated sign-in: there is no default account outside a signed-in request.")

    def scopes_for(self, upstream: str, ours: Sequence[str]) -> tuple[str, ...]:
        """The upstream scopes the caller's scopes map to (their read scope's when none maps)."""
        mapping = self.scopes_by_upstream.get(upstream, {})
        wanted = [item for scope in ours for item in mapping.get(scope, ()) if item != "offline_access"]
        wanted = wanted or list(mapping.get(f"{self.system}.read", ()))
        return tuple(sorted(set(wanted)))

    async def _credential(self, caller: Caller, stale: Mapping[str, str]) -> Credential:
        if not caller.subject:
            first = next(iter(self.delegates.values()))
            raise DelegationRefused(f"Nobody is signed in, so {first.display_name} cannot be reached for anyone.")
        person = self._person(caller)
        tokens: dict[str, str] = {}
        accounts: dict[str, str] = {}
        for key, delegate in self.delegates.items():
            account = delegate.account(person)
            scopes = self.scopes_for(delegate.name, caller.scopes)
            tokens[key] = await self._token(delegate, person, account, scopes, stale.get(key))
            accounts[delegate.name] = account
        # The identity keys caches and buckets: it names every account acting, as VaultTokenSet's does.
        identity = "+".join(f"{name}:{account}" for name, account in sorted(accounts.items()))
        return Credential(identity=identity, scheme="bearer", secret=SecretStr(json.dumps(tokens)))

    async def _token(
        self, delegate: Delegate, person: Person, account: str, scopes: tuple[str, ...], stale: str | None
    ) -> str:
        key = (delegate.name, account, scopes)
        lock = self._locks.setdefault(key, anyio.Lock())
        async with lock:  # one fetch per person and scopes at a time; the others reuse its token
            kept = self._kept.get(key)
            if kept is not None and kept[0] != stale and kept[1] - self.margin > self.clock():
                return kept[0]
            self._kept.pop(key, None)
            token, expires_at = await anyio.to_thread.run_sync(delegate.fetch, person, scopes)
            self._forget_expired()
            self._kept[key] = (token, expires_at)
            return token

    def _forget_expired(self) -> None:
        """Bounded memory: tokens past their expiry (and their idle locks) go once many are kept."""
        if len(self._kept) < 1024:
            return
        now = self.clock()
        for key in [key for key, (_, expires_at) in self._kept.items() if expires_at <= now]:
            del self._kept[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]


def inbound_person(caller: Caller) -> Person:
    """The caller's verified token (the SDK's, for this request): its claims, and the token for on-behalf-of."""
    from mcp.server.auth.middleware.auth_context import get_access_token

    token = get_access_token()
    if token is None:
        raise DelegationRefused("This request carries no verified sign-in.")
    return Person(caller.subject, dict(token.claims or {}), token.token)


def delegated_for(connector: Connector, connector_settings: Any = None) -> DelegatedTokenSet | None:
    """AUTH_MODE=external: the delegation provider for a spec with upstreams, when AUTH_GOOGLE_SERVICE_ACCOUNT_FILE
    or AUTH_MICROSOFT_OBO is set (None otherwise: the link pages or the service identity stay in charge)."""
    spec = connector.sign_in
    if spec is None or spec.upstreams is None:
        return None
    google, microsoft = google_settings(), microsoft_settings()
    configured = {"google": bool(google.service_account_file), "microsoft": microsoft.obo}
    if not any(configured.values()):
        return None
    wanted = dict(spec.upstreams(connector_settings or load_settings(connector.settings)))
    how = {"google": "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", "microsoft": "AUTH_MICROSOFT_OBO=true"}
    missing = [name for name in dict.fromkeys(wanted.values()) if not configured.get(name)]
    if missing:
        raise ConfigError(
            f"Configuration error: the {connector.title} connector acts for people by delegation for some of its "
            f"providers, so it needs it for all: set {', '.join(how.get(name, name) for name in missing)}"
        )
    built: dict[str, Delegate] = {}
    if "google" in wanted.values():
        built["google"] = _google_delegation(google.service_account_file, google.base_url)
    if "microsoft" in wanted.values():
        adapter = microsoft_from_env()
        assert isinstance(adapter, MicrosoftAdapter)
        built["microsoft"] = MicrosoftOnBehalfOf(adapter)
    delegates = {key: built[name] for key, name in wanted.items()}
    return DelegatedTokenSet(delegates, spec.scopes_by_upstream or {}, system=spec.system)


def _google_delegation(path: str, base_url: str) -> GoogleDelegation:
    if not os.path.isfile(path):
        raise ConfigError(f"Configuration error: AUTH_GOOGLE_SERVICE_ACCOUNT_FILE names no file: {path}")
    try:
        with open(path, encoding="utf-8") as file:
            info = json.load(file)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"Configuration error: AUTH_GOOGLE_SERVICE_ACCOUNT_FILE cannot be read as JSON ({type(exc).__name__})"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(
            "Configuration error: AUTH_GOOGLE_SERVICE_ACCOUNT_FILE is not a service account key "
            '("type": "service_account"): download a JSON key of the service account from the Cloud console'
        )
    return GoogleDelegation(info, token_uri=f"{base_url.rstrip('/')}/token" if base_url else "")
