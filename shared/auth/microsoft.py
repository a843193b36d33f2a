"""Microsoft Entra ID (v2 endpoints) as an upstream identity provider, through msal: OneDrive, SharePoint, Outlook.

`MicrosoftAdapter` drives msal's `ConfidentialClientApplication` (authorization request URL, code redemption,
refresh). msal is synchronous: every call runs in a worker thread. Choices, and why:

- authority `<login URL>/<tenant>`; msal validates an authority it does not know through an *instance
  discovery* endpoint: Microsoft's own hosts need none, any other host (a sovereign cloud proxy, the sandbox)
  is asked at its own `/common/discovery/instance`, never at login.microsoftonline.com.
- msal's HTTP client is a `requests.Session` that trusts `ca_file` when one is given (the sandbox's CA).
- the app keeps no token cache: the vault is where tokens live (encrypted), not this process's memory.
- code redemption and refresh ask for `<resource>/.default`: a token with what the person consented to for
  that resource (Entra refuses a refresh for scopes never consented, which would otherwise unlink them).
- who signed in: the ID token's `oid` (stable per tenant) and `preferred_username`, else Graph's `/me`.
- `invalid_grant` on refresh (revoked, expired, reused) raises `InvalidGrant`: the vault unlinks the person
  and the tool answers with the reconnect challenge.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import msal
import requests

from .broker import UpstreamAccount, UpstreamLoginFailed
from .errors import InvalidGrant, RefreshFailed
from .vault import UpstreamTokens

LOGIN_URL = "https://login.microsoftonline.com"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_RESOURCE = "https://graph.microsoft.com"
# msal adds these itself and refuses them in a scope list.
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})


class _NoTokenCache(msal.TokenCache):  # type: ignore[misc]
    """msal would keep every person's tokens in this process; the vault keeps them instead."""

    def add(self, event: dict[str, Any], now: Any = None) -> None:
        return None


def resource_of(scopes: Sequence[str]) -> str:
    """The resource the scopes are for: `https://graph.microsoft.com` for bare names like Files.Read.All."""
    for scope in scopes:
        if scope in RESERVED_SCOPES:
            continue
        if "://" in scope:
            return scope.rsplit("/", 1)[0]
        return GRAPH_RESOURCE
    return GRAPH_RESOURCE


@dataclass
class MicrosoftAdapter:
    client_id: str
    client_secret: str = field(repr=False)
    tenant: str = "organizations"
    login_url: str = LOGIN_URL
    scopes: Sequence[str] = ("User.Read",)  # used when the caller asks for none
    ca_file: str | None = None
    graph_url: str = GRAPH_URL
    name: str = "microsoft"
    display_name: str = "Microsoft"
    timeout: float = 15.0
    clock: Callable[[], float] = time.time
    _app: msal.ConfidentialClientApplication | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def authority(self) -> str:
        return f"{self.login_url.rstrip('/')}/{self.tenant}"

    @property
    def authorize_endpoint(self) -> str:
        """Where the person signs in (what `connectors doctor` checks answers)."""
        return f"{self.authority}/oauth2/v2.0/authorize"

    # -- the UpstreamIdentityProvider interface ----------------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str, scopes: Sequence[str]) -> str:
        """Blocking on first use (msal reads the authority's metadata): call it from a worker thread."""
        wanted = [scope for scope in (scopes or self.scopes) if scope not in RESERVED_SCOPES] or list(self.scopes)
        app = self.msal_app()
        with warnings.catch_warnings():  # msal prefers initiate_auth_code_flow, which keeps state in a session
            warnings.simplefilter("ignore", DeprecationWarning)
            url: str = app.get_authorization_request_url(
                wanted, state=state, redirect_uri=redirect_uri, prompt="select_account"
            )
        return url

    async def exchange(self, code: str, redirect_uri: str) -> tuple[UpstreamAccount, UpstreamTokens]:
        def redeem() -> dict[str, Any]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                result: dict[str, Any] = self.msal_app().acquire_token_by_authorization_code(
                    code, [self._default_scope()], redirect_uri=redirect_uri
                )
            return result

        result = await self._call(redeem, UpstreamLoginFailed)
        if "access_token" not in result:
            raise UpstreamLoginFailed(f"Microsoft did not accept the sign-in ({_error_of(result)})")
        account = self._account(result.get("id_token_claims")) or await self._graph_me(str(result["access_token"]))
        return account, self._tokens(result, account)

    async def refresh(self, refresh_token: str) -> UpstreamTokens:
        def renew() -> dict[str, Any]:
            result: dict[str, Any] = self.msal_app().acquire_token_by_refresh_token(
                refresh_token, [self._default_scope()]
            )
            return result

        result = await self._call(renew, RefreshFailed)
        if result.get("error") == "invalid_grant":
            raise InvalidGrant()
        if "access_token" not in result:
            raise RefreshFailed(f"Microsoft's token endpoint answered {_error_of(result)}")
        return self._tokens(result, None)

    # -- msal ----------------------------------------------------------------------------------------------------
    def msal_app(self) -> msal.ConfidentialClientApplication:
        """The msal application, made once (its constructor fetches the authority's metadata); on-behalf-of
        (`delegated.py`) uses it too. Blocking on first use: call it from a worker thread."""
        with self._lock:
            if self._app is None:
                session = requests.Session()
                session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
                session.verify = self.ca_file or True
                try:
                    self._app = msal.ConfidentialClientApplication(
                        self.client_id,
                        client_credential=self.client_secret,
                        authority=self.authority,
                        http_client=_TimedSession(session, self.timeout),
                        instance_discovery=self._instance_discovery(),
                        token_cache=_NoTokenCache(),
                    )
                except (requests.RequestException, ValueError) as exc:
                    raise UpstreamLoginFailed(
                        f"Microsoft's sign-in at {self.authority} could not be reached ({type(exc).__name__})"
                    ) from None
            return self._app

    def _instance_discovery(self) -> str | None:
        host = urlsplit(self.login_url).hostname or ""
        if host in msal.authority.WELL_KNOWN_AUTHORITY_HOSTS:
            return None  # msal knows Microsoft's clouds
        return f"{self.login_url.rstrip('/')}/common/discovery/instance"

    def _default_scope(self) -> str:
        return f"{resource_of(self.scopes)}/.default"

    async def _call(self, work: Callable[[], dict[str, Any]], failure: type[Exception]) -> dict[str, Any]:
        try:
            return await anyio.to_thread.run_sync(work)
        except requests.RequestException as exc:
            raise failure(f"Microsoft could not be reached ({type(exc).__name__})") from None

    # -- who signed in ---------------------------------------------------------------------------------------------
    @staticmethod
    def _account(claims: Any) -> UpstreamAccount | None:
        if not isinstance(claims, dict) or not isinstance(claims.get("oid"), str) or not claims["oid"]:
            return None
        email = claims.get("preferred_username") or claims.get("email")
        return UpstreamAccount(account_id=claims["oid"], name=claims.get("name"), email=email, site=claims.get("tid"))

    async def _graph_me(self, access_token: str) -> UpstreamAccount:
        def me() -> Any:
            with requests.Session() as session:
                session.trust_env = False
                session.verify = self.ca_file or True
                answer = session.get(
                    f"{self.graph_url.rstrip('/')}/me",
                    headers={"Authorization": f"Bearer {access_token}"},
                    timeout=self.timeout,
                )
                return answer.json() if answer.status_code == 200 else None

        try:
            data = await anyio.to_thread.run_sync(me)
        except (requests.RequestException, ValueError) as exc:
            raise UpstreamLoginFailed(f"Microsoft Graph could not say who signed in ({type(exc).__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise UpstreamLoginFailed("Microsoft gave no ID token and Graph /me did not say who signed in")
        return UpstreamAccount(
            account_id=data["id"], name=data.get("displayName"), email=data.get("userPrincipalName") or data.get("mail")
        )

    def _tokens(self, result: dict[str, Any], account: UpstreamAccount | None) -> UpstreamTokens:
        expires_in = result.get("expires_in")
        scope = result.get("scope")
        return UpstreamTokens(
            access_token=str(result["access_token"]),
            refresh_token=result.get("refresh_token"),
            expires_at=self.clock() + float(expires_in) if isinstance(expires_in, (int, float)) else None,
            scopes=tuple(scope.split()) if isinstance(scope, str) else (),
            account_id=account.account_id if account else None,
            site=account.site if account else None,
        )


class _TimedSession:
    """msal's http_client: the session's get/post with a timeout, so a stalled IdP never hangs a worker thread."""

    def __init__(self, session: requests.Session, timeout: float):
        self.session, self.timeout = session, timeout

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.post(url, **kwargs)

    def close(self) -> None:
        self.session.close()


def _error_of(result: dict[str, Any]) -> str:
    """The error code and Entra's AADSTS number, never the whole description (it echoes request details)."""
    error = str(result.get("error") or "no access token")
    codes = result.get("error_codes")
    return f"{error} AADSTS{codes[0]}" if isinstance(codes, list) and codes else error
