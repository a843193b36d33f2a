"""`connectors doctor <name>` with sign-in on: one line per piece of the auth configuration, naming what to fix.

Every mode is checked: the built-in authorization server (per upstream login: client id, client secret, the login
page answering), the enterprise IdP (`AUTH_MODE=external`: issuer, JWKS reachable and parseable), delegation without a
per-person login (storage, mail: the Google service account's key file; Microsoft on-behalf-of's app, tenant and
authority), SEP-990 identity assertions (`AUTH_ID_JAG_*`: client, JWKS), the vault key, and the database (reachable
and migrated, as the server does when it starts). Settings are read leniently first so that one missing variable
does not hide the others.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import httpx
from google.oauth2 import service_account
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import SecretStr, ValidationError, model_validator

from ..connector import Check, Connector
from ..errors import ConfigError
from ..settings import load_settings, secrets_dir
from .broker import UpstreamIdentityProvider, UpstreamLoginFailed
from .crypto import DecryptionFailed, KeyRing
from .db import open_database
from .setup import SignIn, SignInSettings, generic_upstream
from .upstreams import NAMED, GoogleSignInSettings, MicrosoftSignInSettings, google_settings, microsoft_settings
from .wiring import sign_in_for

TIMEOUT = 10.0


class _AsWritten(SignInSettings):
    """The settings as written, without the rule that refuses missing pieces (doctor names each one itself)."""

    @model_validator(mode="after")
    def _complete(self) -> _AsWritten:
        return self


async def sign_in_checks(connector: Connector) -> list[Check]:
    """For `connectors doctor` with sign-in on (AUTH_PUBLIC_URL set)."""
    try:
        settings = _AsWritten(_secrets_dir=secrets_dir())  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "; ".join(f"AUTH_{str(e['loc'][0]).upper()} {e['msg']}" for e in exc.errors() if e["loc"])
        return [Check("sign-in settings", False, f"Configuration error: {problems}")]
    signed_in, problem = None, ""
    try:
        signed_in = sign_in_for(connector)
    except ConfigError as exc:
        problem = str(exc)
    external = settings.mode == "external"
    what = f"trusting {settings.external_issuer or 'an external IdP'}" if external else "built-in authorization server"
    checks = [
        Check(
            "sign-in settings",
            signed_in is not None,
            problem or f"AUTH_MODE={settings.mode} ({what}) for {settings.resource_url}",
        )
    ]
    try:
        if external:
            checks += await _external_checks(settings)
        checks += await _identity_assertion_checks(settings)
        vault_used = not external or bool(settings.vault_keys.get_secret_value())
        delegation = _delegation_asked(connector)
        vault = _vault_key_check(settings, required=not external)
        if vault.ok and not vault_used and delegation is True:
            vault = Check("vault key", True, "VAULT_KEYS not set: none needed, people's tokens come by delegation")
        checks.append(vault)
        if isinstance(delegation, Check):  # AUTH_GOOGLE_* / AUTH_MICROSOFT_* unreadable: that line names which
            checks.append(delegation)
        elif delegation and external:  # no upstream login here: the delegation's own pieces instead
            checks += await _delegation_checks(connector)
        else:
            if delegation:
                checks.append(_DELEGATION_NEEDS_EXTERNAL)
            checks += await _upstream_checks(connector, settings, needed=vault_used)
        if vault_used:
            checks.append(await _database_check(settings, signed_in.sign_in if signed_in else None))
    finally:
        if signed_in is not None:
            await signed_in.sign_in.stop()
    return checks


# ------------------------------------------------------------------ enterprise IdP and identity assertions


async def _external_checks(s: SignInSettings) -> list[Check]:
    issuer = (
        Check("external issuer", True, f"tokens must say iss={s.external_issuer} (AUTH_EXTERNAL_ISSUER)")
        if s.external_issuer
        else Check("external issuer", False, "set AUTH_EXTERNAL_ISSUER: the `iss` of your IdP's access tokens")
    )
    audience = s.external_audience or s.resource_url
    where = "AUTH_EXTERNAL_AUDIENCE" if s.external_audience else "the resource URL; AUTH_EXTERNAL_AUDIENCE to change"
    return [
        issuer,
        await _jwks_check("external JWKS", "AUTH_EXTERNAL_JWKS_URL", s.external_jwks_url),
        Check("external audience", True, f"tokens must say aud={audience} ({where})"),
    ]


async def _identity_assertion_checks(s: SignInSettings) -> list[Check]:
    others = {
        "AUTH_ID_JAG_JWKS_URL": s.id_jag_jwks_url,
        "AUTH_ID_JAG_CLIENT_ID": s.id_jag_client_id,
        "AUTH_ID_JAG_CLIENT_SECRET": s.id_jag_client_secret.get_secret_value(),
    }
    if not s.id_jag_issuer:
        stray = [name for name, value in others.items() if value]
        if stray:
            detail = f"{', '.join(stray)} set but AUTH_ID_JAG_ISSUER is empty: set it (or remove them)"
            return [Check("identity assertions", False, detail)]
        return []
    if s.mode == "external":
        detail = "AUTH_ID_JAG_ISSUER needs AUTH_MODE=builtin: identity assertions are traded at our token endpoint"
        return [Check("identity assertions", False, detail)]
    secret = "AUTH_ID_JAG_CLIENT_SECRET"
    client = [name for name in ("AUTH_ID_JAG_CLIENT_ID", secret) if not others[name]]
    return [
        Check("identity assertions", True, f"ID-JAGs from {s.id_jag_issuer}, people named {s.id_jag_name}:<sub>"),
        Check(
            "identity assertions client",
            not client,
            f"set {' and '.join(client)} (the client your IdP's agents use at our token endpoint)"
            if client
            else f"AUTH_ID_JAG_CLIENT_ID={s.id_jag_client_id}; AUTH_ID_JAG_CLIENT_SECRET ({_source(secret)})",
        ),
        await _jwks_check("identity assertions JWKS", "AUTH_ID_JAG_JWKS_URL", s.id_jag_jwks_url),
    ]


async def _jwks_check(name: str, variable: str, url: str) -> Check:
    """Whether the IdP's key set answers and parses (what the token verifier fetches)."""
    if not url:
        return Check(name, False, f"set {variable}: the URL of your IdP's public keys (JWKS)")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            answer = await http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        return Check(name, False, f"{url} unreachable ({type(exc).__name__}): check {variable}")
    if answer.status_code != 200:
        return Check(name, False, f"{url} answered HTTP {answer.status_code}: check {variable}")
    try:
        keys = list(KeySet.import_key_set(answer.json()))
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        return Check(name, False, f"{url} is not a JWKS ({type(exc).__name__}): check {variable}")
    if not keys:
        return Check(name, False, f"{url} holds no key: check {variable}")
    kids = ", ".join(str(key.kid) for key in keys if key.kid) or "no kid"
    return Check(name, True, f"{url}: {len(keys)} key(s) ({kids})")


# ------------------------------------------------------------------ delegation (external mode, no per-person login)

_DELEGATION_NEEDS_EXTERNAL = Check(
    "delegation",
    False,
    "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE / AUTH_MICROSOFT_OBO act for people without a login, which needs "
    "AUTH_MODE=external (your company's IdP signs them in): set it, or remove them",
)
_PLACEHOLDER_TENANTS = ("organizations", "common", "consumers")


def _delegation_asked(connector: Connector) -> bool | Check:
    """Whether a connector with upstreams (storage, mail) is set to act by delegation (a Check when unreadable)."""
    spec = connector.sign_in
    if spec is None or spec.upstreams is None:
        return False
    try:
        google, microsoft = google_settings(), microsoft_settings()  # both read: either may be unreadable
    except ConfigError as exc:
        return Check("delegation", False, str(exc).removeprefix("Configuration error: "))
    return bool(google.service_account_file) or microsoft.obo


async def _delegation_checks(connector: Connector) -> list[Check]:
    """One line per piece each enabled provider's delegation needs: every provider has it, or none (`delegated.py`)."""
    spec = connector.sign_in
    assert spec is not None and spec.upstreams is not None
    names = list(dict.fromkeys(spec.upstreams(load_settings(connector.settings)).values()))
    checks: list[Check] = []
    if "google" in names:
        checks.append(await anyio.to_thread.run_sync(_service_account_check, google_settings().service_account_file))
    if "microsoft" in names:
        checks += await _on_behalf_of_checks(microsoft_settings(), spec.scopes_by_upstream or {})
    return checks


def _service_account_check(path: str) -> Check:
    """The key file as `delegated.py` reads it: a service account's JSON key whose private key parses."""
    name, variable = "Google service account", "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE"
    if not path:
        detail = f"set {variable}: the JSON key of a service account with domain-wide delegation (every enabled "
        return Check(name, False, detail + "provider acts by delegation, or none)")
    if not os.path.isfile(path):
        return Check(name, False, f"{variable} names no file: {path}")
    try:
        with open(path, encoding="utf-8") as file:
            info = json.load(file)
    except (OSError, ValueError) as exc:
        return Check(name, False, f"{variable} ({path}) cannot be read as JSON ({type(exc).__name__})")
    if not isinstance(info, dict) or info.get("type") != "service_account":
        detail = f'{variable} ({path}) is not a service account key ("type": "service_account"): download a JSON key'
        return Check(name, False, f"{detail} of the service account from the Cloud console")
    missing = [field for field in ("client_email", "private_key") if not isinstance(info.get(field), str)]
    if missing:
        detail = f"{variable} ({path}) has no {' or '.join(missing)}: download a new JSON key of the service account"
        return Check(name, False, detail)
    try:  # what the server builds; the errors' own words are left out: they may quote the key
        service_account.Credentials.from_service_account_info(info)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        detail = f"{variable} ({path}): its private key does not parse ({type(exc).__name__}): create a new JSON key"
        return Check(name, False, f"{detail} of the service account")
    client_id = info.get("client_id") or "(not in the key)"
    detail = f"{info['client_email']} from {path}; authorise client id {client_id} for domain-wide delegation"
    return Check(name, True, f"{detail} (Google Admin console, Security > API controls)")


async def _on_behalf_of_checks(s: MicrosoftSignInSettings, by_upstream: Any) -> list[Check]:
    """AUTH_MICROSOFT_OBO, the app exchanging people's tokens (id, secret), its tenant, and its authority answering."""
    if not s.obo:
        detail = "set AUTH_MICROSOFT_OBO=true: every enabled provider acts by delegation, or none"
        return [Check("Microsoft on-behalf-of", False, detail)]
    detail = "AUTH_MICROSOFT_OBO=true: the caller's Entra token is exchanged for their Graph token"
    checks = [Check("Microsoft on-behalf-of", True, detail)]
    tenant_ok = bool(s.tenant) and s.tenant.lower() not in _PLACEHOLDER_TENANTS
    checks.append(
        Check("Microsoft tenant", True, f"AUTH_MICROSOFT_TENANT={s.tenant}")
        if tenant_ok
        else Check(
            "Microsoft tenant",
            False,
            f"set AUTH_MICROSOFT_TENANT to your tenant id: on-behalf-of is asked of your own tenant, not {s.tenant}",
        )
    )
    scopes = {item for mapping in by_upstream.get("microsoft", {}).values() for item in mapping}
    build = partial(NAMED["microsoft"], tuple(sorted(scopes)))
    return checks + await _client_checks("Microsoft", "AUTH_MICROSOFT_", s.client_id, s.client_secret, build)


# ------------------------------------------------------------------ vault key and database


def _vault_key_check(s: SignInSettings, *, required: bool) -> Check:
    spec = s.vault_keys.get_secret_value()
    if not spec:
        if required:
            return Check("vault key", False, "set VAULT_KEYS: k1:<base64 of 32 random bytes> (openssl rand -base64 32)")
        detail = "VAULT_KEYS not set: no per-person upstream links; the server acts with its own configured account"
        return Check("vault key", True, detail)
    try:
        ring = KeyRing.parse(spec)
    except ConfigError as exc:
        return Check("vault key", False, str(exc).removeprefix("Configuration error: "))
    count = spec.count(":")
    return Check(
        "vault key", True, f"VAULT_KEYS ({_source('VAULT_KEYS')}): {count} key(s), encrypting with {ring.current_id}"
    )


async def _database_check(s: SignInSettings, sign_in: SignIn | None) -> Check:
    """Reachable, and migrated as the server migrates it at start (signing keys and vault readable with the key)."""
    where = "PostgreSQL (DATABASE_URL)" if s.database_url else f"SQLite {s.sqlite_path} (AUTH_SQLITE_PATH)"
    if sign_in is None:
        try:
            db = await anyio.to_thread.run_sync(open_database, s.database_url, s.sqlite_path)
        except ConfigError as exc:
            return Check("sign-in database", False, str(exc).removeprefix("Configuration error: "))
        db.close()
        return Check("sign-in database", False, f"{where} reachable; not migrated until the settings above are fixed")
    try:
        await sign_in.start()  # migrations, signing keys: what the server does when it starts
    except ConfigError as exc:  # e.g. a signing key stored under a key VAULT_KEYS no longer lists
        return Check("sign-in database", False, f"{where}: {str(exc).removeprefix('Configuration error: ')}")
    except DecryptionFailed:
        detail = f"{where}: stored under a key VAULT_KEYS no longer has: keep old keys after the new one"
        return Check("sign-in database", False, detail)
    except Exception as exc:  # noqa: BLE001 - doctor reports whatever failed, in one line
        return Check("sign-in database", False, f"{where}: {type(exc).__name__}: check DATABASE_URL")
    return Check("sign-in database", True, f"{where} migrated; signing keys and the token vault readable")


# ------------------------------------------------------------------ upstream logins


async def _upstream_checks(connector: Connector, s: SignInSettings, *, needed: bool) -> list[Check]:
    """Client id, client secret and login page of each upstream people sign in with (or link, in external mode)."""
    spec = connector.sign_in
    if spec is None:
        return []
    if spec.upstreams is None:
        if not needed and not s.upstream_client_id:
            return []
        return await _generic_checks(s)
    names = list(dict.fromkeys(spec.upstreams(load_settings(connector.settings)).values()))
    checks: list[Check] = []
    for name in names:
        label = "upstream" if len(names) == 1 else _DISPLAY.get(name, name.capitalize())
        if name not in NAMED:
            checks.append(Check(f"{label} login", False, f"no sign-in is known for the upstream {name!r}"))
            continue
        prefix, settings_type = _NAMED_SETTINGS[name]
        found = settings_type(_secrets_dir=secrets_dir())
        scopes = {item for mapping in (spec.scopes_by_upstream or {}).get(name, {}).values() for item in mapping}
        checks += await _client_checks(
            label, prefix, found.client_id, found.client_secret, partial(NAMED[name], tuple(sorted(scopes)))
        )
    return checks


_DISPLAY = {"google": "Google", "microsoft": "Microsoft"}
_NAMED_SETTINGS: dict[str, tuple[str, Callable[..., Any]]] = {
    "google": ("AUTH_GOOGLE_", GoogleSignInSettings),
    "microsoft": ("AUTH_MICROSOFT_", MicrosoftSignInSettings),
}


async def _generic_checks(s: SignInSettings) -> list[Check]:
    """The one AUTH_UPSTREAM_* login: Atlassian's known URLs, or a generic OAuth 2.0 provider's own."""
    checks: list[Check] = []
    if s.upstream_kind == "oauth2":
        names = ("name", "authorize_url", "token_url", "userinfo_url")
        missing = [f"AUTH_UPSTREAM_{n.upper()}" for n in names if not getattr(s, f"upstream_{n}")]
        checks.append(
            Check("upstream endpoints", not missing, f"set {', '.join(missing)} (or AUTH_UPSTREAM_KIND=atlassian)")
            if missing
            else Check("upstream endpoints", True, f"{s.upstream_name}: {s.upstream_authorize_url}")
        )
        if missing:
            return checks
    return checks + await _client_checks(
        "upstream", "AUTH_UPSTREAM_", s.upstream_client_id, s.upstream_client_secret, lambda: generic_upstream(s)
    )


async def _client_checks(
    label: str, prefix: str, client_id: str, secret: SecretStr, build: Callable[[], UpstreamIdentityProvider]
) -> list[Check]:
    id_var, secret_var = f"{prefix}CLIENT_ID", f"{prefix}CLIENT_SECRET"
    checks = [
        Check(f"{label} client id", True, f"{id_var}={client_id}")
        if client_id
        else Check(f"{label} client id", False, f"set {id_var}: the OAuth app's client id at the upstream"),
        Check(f"{label} client secret", True, f"{secret_var} ({_source(secret_var)})")
        if secret.get_secret_value()
        else Check(
            f"{label} client secret",
            False,
            f"set {secret_var} (or the file {secret_var.lower()} in CONNECTORS_SECRETS_DIR)",
        ),
    ]
    if all(check.ok for check in checks):
        try:
            upstream = build()
        except ConfigError as exc:
            return checks + [Check(f"{label} login", False, str(exc).removeprefix("Configuration error: "))]
        checks.append(await _login_check(upstream, f"{label} login"))
    return checks


async def _login_check(upstream: UpstreamIdentityProvider, name: str) -> Check:
    """Whether the upstream's login page answers (and, through msal, whether its authority's metadata reads)."""
    try:
        url = await anyio.to_thread.run_sync(upstream.authorize_url, "doctor", "https://example.invalid/cb", [])
    except UpstreamLoginFailed as exc:
        return Check(name, False, str(exc))
    endpoint = getattr(upstream, "authorize_endpoint", "") or url.split("?", 1)[0]
    ca_file = getattr(upstream, "ca_file", None)
    verify: Any = ssl.create_default_context(cafile=ca_file) if ca_file else True
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, verify=verify) as http:
            answer = await http.get(endpoint)
    except httpx.HTTPError as exc:
        return Check(name, False, f"{upstream.display_name}: {endpoint} unreachable ({type(exc).__name__})")
    ok = answer.status_code < 500
    return Check(name, ok, f"{upstream.display_name}: {endpoint} answered HTTP {answer.status_code}")


def _source(variable: str) -> str:
    """Where a secret came from, without its value: the environment, or a file in CONNECTORS_SECRETS_DIR."""
    if os.environ.get(variable):
        return "from the environment"
    directory = secrets_dir()
    return f"from {os.path.join(directory, variable.lower())}" if directory else "set"
