"""Delegation (`shared.auth.delegated`): google-auth's real JWT-bearer grant against a small Google-shaped token
endpoint served over HTTP, and the token set's rules (scopes from the caller's, kept per person until they expire,
one fetch at a time, renewed after a refusal). The whole path through both real sandboxes is tested end to end
in tests/e2e/test_enterprise_storage.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.auth.delegated import (
    DelegatedTokenSet,
    DelegationRefused,
    GoogleDelegation,
    Person,
    delegated_for,
    inbound_person,
    person_email,
)
from shared.caller import Caller
from shared.connector import SignInSpec
from shared.errors import ConfigError, PermissionDenied, UpstreamUnavailable
from shared.testing import serve_in_thread

pytestmark = pytest.mark.anyio
DRIVE = "https://www.googleapis.com/auth/drive"
SCOPES = {
    "google": {"storage.read": [DRIVE + ".readonly"], "storage.write": [DRIVE]},
    "microsoft": {"storage.read": ["Files.Read.All"], "offline_access": ["offline_access"]},
}
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)


@dataclass
class FakeGoogle:
    """Google's /token for service accounts: checks the assertion's signature and audience, mints a token."""

    url: str = ""
    refusal: dict[str, str] | None = None
    grants: list[dict[str, Any]] = field(default_factory=list)

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        claims = jwt.decode(str(form["assertion"]), KEY, algorithms=["RS256"]).claims
        # google-auth always names Google's token URL as the audience, wherever it sends the assertion.
        assert (
            claims["aud"] == "https://oauth2.googleapis.com/token" and claims["iss"] == "svc@p.iam.gserviceaccount.com"
        )
        if self.refusal is not None:
            return JSONResponse(self.refusal, status_code=400)
        self.grants.append(claims)
        return JSONResponse(
            {"access_token": f"ya29.{claims['sub']}.{len(self.grants)}", "expires_in": 3599, "token_type": "Bearer"}
        )


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()
    with serve_in_thread(Starlette(routes=[Route("/token", fake.token, methods=["POST"])])) as url:
        fake.url = url
        yield fake


def key_info(token_uri: str = "https://oauth2.googleapis.com/token") -> dict[str, Any]:
    return {
        "type": "service_account",
        "client_email": "svc@p.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "private_key_id": "k1",
        "private_key": KEY.as_pem(private=True).decode(),
        "token_uri": token_uri,
    }


def person(subject: str, **claims: Any) -> Person:
    return Person(subject, claims, assertion="idp-token-of-" + subject)


def token_set(google: FakeGoogle, clock: Any = time.time) -> DelegatedTokenSet:
    delegation = GoogleDelegation(key_info(), token_uri=f"{google.url}/token")
    people = {
        "corp-alice": person("corp-alice", email="Alice@Corp.example"),
        "corp-bob": person("corp-bob", upn="bob@corp.example"),
    }
    return DelegatedTokenSet(
        {"google-drive": delegation},
        SCOPES,
        system="storage",
        clock=clock,
        person=lambda caller: people[caller.subject],
    )


ALICE = Caller("corp-alice", "chatgpt", ("storage.read",))
BOB = Caller("corp-bob", "chatgpt", ("storage.read", "storage.write"))


def test_the_person_is_the_email_claim_or_an_address_in_preferred_username_or_upn():
    assert person_email({"email": "A@X.example", "upn": "b@x.example"}) == "a@x.example"
    assert person_email({"preferred_username": "not an address", "upn": "b@x.example"}) == "b@x.example"
    assert person_email({"preferred_username": "alice", "sub": "a@x.example"}) is None


def test_upstream_scopes_are_those_the_callers_scopes_map_to(google):
    tokens = token_set(google)
    assert tokens.scopes_for("google", ["storage.read"]) == (DRIVE + ".readonly",)
    assert tokens.scopes_for("google", ["storage.read", "storage.write"]) == (DRIVE, DRIVE + ".readonly")
    assert tokens.scopes_for("microsoft", ["storage.read", "offline_access"]) == ("Files.Read.All",)
    assert tokens.scopes_for("google", []) == (DRIVE + ".readonly",)  # nothing maps: the read scope's


async def test_each_person_gets_their_own_token_kept_until_near_expiry(google):
    now = [time.time()]
    tokens = token_set(google, clock=lambda: now[0])
    alice = await tokens.for_caller(ALICE)
    assert json.loads(alice.secret.get_secret_value()) == {"google-drive": "ya29.alice@corp.example.1"}
    assert alice.identity == "google:alice@corp.example"
    assert google.grants[0]["sub"] == "alice@corp.example" and google.grants[0]["scope"] == DRIVE + ".readonly"
    assert (await tokens.for_caller(ALICE)).secret.get_secret_value() == alice.secret.get_secret_value()
    bob = await tokens.for_caller(BOB)
    assert bob.identity == "google:bob@corp.example" and set(google.grants[1]["scope"].split()) == {
        DRIVE,
        DRIVE + ".readonly",
    }
    assert len(google.grants) == 2
    now[0] += 3599 - 30  # within the margin of expiry: fetched again
    assert json.loads((await tokens.for_caller(ALICE)).secret.get_secret_value())["google-drive"].endswith(".3")


async def test_concurrent_calls_of_one_person_share_one_fetch(google):
    tokens = token_set(google)
    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(tokens.for_caller, ALICE)
    assert len(google.grants) == 1


async def test_a_refused_token_is_replaced_once_and_a_newer_one_is_kept(google):
    tokens = token_set(google)
    first = await tokens.for_caller(ALICE)
    renewed = await tokens.refreshed(ALICE, first)
    assert renewed.secret.get_secret_value() != first.secret.get_secret_value() and len(google.grants) == 2
    # A second request that also held the first token: the kept one is already newer, so nothing is fetched.
    assert (await tokens.refreshed(ALICE, first)).secret.get_secret_value() == renewed.secret.get_secret_value()
    assert len(google.grants) == 2


@pytest.mark.parametrize(
    "refusal, error, words",
    [
        (
            {"error": "invalid_grant", "error_description": "Invalid email or User ID"},
            PermissionDenied,
            "no account alice@corp.example",
        ),
        (
            {"error": "unauthorized_client", "error_description": "Client is unauthorized"},
            ConfigError,
            "client id 1234567890",
        ),
        (
            {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
            ConfigError,
            "create a new JSON key",
        ),
        ({"error": "something_else"}, UpstreamUnavailable, "something_else"),
    ],
)
async def test_googles_refusals_say_who_must_do_what(google, refusal, error, words):
    google.refusal = refusal
    with pytest.raises(error, match=words):
        await token_set(google).for_caller(ALICE)


async def test_a_sign_in_without_an_address_or_without_a_subject_is_refused(google):
    tokens = DelegatedTokenSet(
        {"google-drive": GoogleDelegation(key_info(), token_uri=f"{google.url}/token")},
        SCOPES,
        system="storage",
        person=lambda caller: person(caller.subject, preferred_username="alice"),
    )
    with pytest.raises(PermissionDenied, match="names no e-mail address"):
        await tokens.for_caller(ALICE)
    with pytest.raises(DelegationRefused, match="Nobody is signed in"):
        await tokens.for_caller(Caller())
    with pytest.raises(DelegationRefused, match="no verified sign-in"):
        inbound_person(ALICE)  # outside a request the SDK verified
    with pytest.raises(ConfigError, match="no default account"):
        tokens.default()


def test_a_key_file_that_is_no_key_is_a_configuration_error():
    with pytest.raises(ConfigError, match="AUTH_GOOGLE_SERVICE_ACCOUNT_FILE is not a usable service account key"):
        GoogleDelegation({**key_info(), "private_key": "not a key"})


def _connector(wanted: dict[str, str]) -> Any:
    spec = SignInSpec(system="storage", upstreams=lambda settings: wanted, scopes_by_upstream=SCOPES)
    return SimpleNamespace(title="Storage", sign_in=spec, settings=None)


def test_delegation_is_configured_for_every_upstream_or_for_none(tmp_path, monkeypatch):
    both = _connector({"google-drive": "google", "onedrive": "microsoft"})
    monkeypatch.delenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", raising=False)
    monkeypatch.delenv("AUTH_MICROSOFT_OBO", raising=False)
    assert delegated_for(both, connector_settings=object()) is None  # not configured: other modes stay in charge
    assert delegated_for(SimpleNamespace(title="Jira", sign_in=SignInSpec(system="jira")), object()) is None
    monkeypatch.setenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="AUTH_MICROSOFT_OBO=true"):
        delegated_for(both, connector_settings=object())
    with pytest.raises(ConfigError, match="names no file"):
        delegated_for(_connector({"google-drive": "google"}), connector_settings=object())
    key = tmp_path / "key.json"
    key.write_text(json.dumps(key_info()))
    monkeypatch.setenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", str(key))
    built = delegated_for(_connector({"google-drive": "google"}), connector_settings=object())
    assert built is not None and list(built.delegates) == ["google-drive"]
    monkeypatch.setenv("AUTH_MICROSOFT_OBO", "true")
    monkeypatch.delenv("AUTH_MICROSOFT_CLIENT_SECRET", raising=False)
    monkeypatch.delenv("AUTH_MICROSOFT_CLIENT_ID", raising=False)
    with pytest.raises(ConfigError, match="AUTH_MICROSOFT_CLIENT_ID"):
        delegated_for(both, connector_settings=object())


async def test_one_credential_holds_a_token_for_each_of_the_connectors_keys(google):
    delegation = GoogleDelegation(key_info(), token_uri=f"{google.url}/token")
    tokens = DelegatedTokenSet(
        {"google-drive": delegation, "gmail": delegation},
        SCOPES,
        system="storage",
        person=lambda caller: person(caller.subject, email="alice@corp.example"),
    )
    credential = await tokens.for_caller(ALICE)
    assert set(json.loads(credential.secret.get_secret_value())) == {"google-drive", "gmail"}
    assert credential.identity == "google:alice@corp.example" and "ya29" not in repr(credential)
    assert len(google.grants) == 1  # the same person and scopes at the same upstream: one token serves both keys
