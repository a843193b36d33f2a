"""Service accounts with domain-wide delegation: google-auth's own JWT-bearer grant against the sandbox's /token."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from google.auth import crypt
from google.auth import jwt as google_jwt
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request as GoogleAuthRequest
from google.oauth2 import service_account
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from sandbox.google.testing import GoogleUnderTest
from sandbox.google.tokens import JWT_BEARER

DRIVE_READ = "https://www.googleapis.com/auth/drive.readonly"
GMAIL_READ = "https://www.googleapis.com/auth/gmail.readonly"


def delegated(google: GoogleUnderTest, user: str, *scopes: str, key: dict[str, Any] | None = None) -> Any:
    info = key or google.service_account_key()
    return service_account.Credentials.from_service_account_info(info, scopes=list(scopes)).with_subject(user)


def refused(credentials: Any) -> dict[str, Any]:
    with pytest.raises(RefreshError) as caught:
        credentials.refresh(GoogleAuthRequest())
    answer = caught.value.args[1]
    assert isinstance(answer, dict)
    return answer


def assertion(google: GoogleUnderTest, **claims: Any) -> str:
    """A hand-made assertion signed with the delegated service account's key (for the claims google-auth fixes)."""
    info = google.service_account_key()
    now = int(time.time())
    body = {"iss": info["client_email"], "sub": "alice@example.com", "scope": DRIVE_READ, "aud": info["token_uri"]}
    body |= {"iat": now, "exp": now + 3600, **claims}
    signer = crypt.RSASigner.from_service_account_info(info)
    return google_jwt.encode(signer, body).decode()


def test_a_delegated_service_account_acts_as_the_user_its_assertion_names(google):
    alice = delegated(google, "alice@example.com", DRIVE_READ)
    alice.refresh(GoogleAuthRequest())
    assert alice.valid and alice.expiry is not None
    about = google.drive(alice.token).about().get(fields="user").execute()
    assert about["user"]["emailAddress"] == "alice@example.com"
    bob = delegated(google, "bob@example.com", DRIVE_READ, GMAIL_READ)
    bob.refresh(GoogleAuthRequest())
    assert google.drive(bob.token).about().get(fields="user").execute()["user"]["emailAddress"] == "bob@example.com"
    # A read-only token cannot write.
    with pytest.raises(Exception, match="insufficient"):
        google.drive(alice.token).files().create(body={"name": "x"}).execute()


def test_the_answer_is_googles_no_refresh_token_no_scope(google):
    answer = httpx.post(
        f"{google.url}/token", data={"grant_type": JWT_BEARER, "assertion": assertion(google)}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"access_token", "expires_in", "token_type"}


def test_a_user_the_domain_does_not_have_is_refused(google):
    answer = refused(delegated(google, "mallory@example.com", DRIVE_READ))
    assert answer == {"error": "invalid_grant", "error_description": "Invalid email or User ID"}
    assert refused(delegated(google, "carol@partner.org", DRIVE_READ))["error"] == "invalid_grant"


def test_a_service_account_without_delegation_or_beyond_its_scopes_is_unauthorized(google):
    undelegated = google.service_account_key(delegated=False)
    assert refused(delegated(google, "alice@example.com", DRIVE_READ, key=undelegated))["error"] == (
        "unauthorized_client"
    )
    beyond = delegated(google, "alice@example.com", "https://www.googleapis.com/auth/admin.directory.user")
    assert refused(beyond)["error"] == "unauthorized_client"


def test_a_key_the_sandbox_did_not_issue_is_a_bad_signature(google):
    forged = dict(google.service_account_key())
    forged["private_key"] = RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()
    answer = refused(delegated(google, "alice@example.com", DRIVE_READ, key=forged))
    assert answer == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    unknown = dict(google.service_account_key(), client_email="ghost@sandbox-project.iam.gserviceaccount.com")
    assert refused(delegated(google, "alice@example.com", DRIVE_READ, key=unknown))["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "claims, error",
    [
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "short-lived"),  # expired
        ({"exp": int(time.time()) + 7200}, "short-lived"),  # lives longer than an hour
        ({"aud": "https://elsewhere.example.com/token"}, "audience"),
        ({"scope": ""}, "scope"),
    ],
)
def test_an_assertion_out_of_date_for_another_audience_or_without_scope_is_refused(google, claims, error):
    answer = httpx.post(
        f"{google.url}/token", data={"grant_type": JWT_BEARER, "assertion": assertion(google, **claims)}, timeout=10
    )
    assert answer.status_code == 400 and error in answer.json()["error_description"], answer.text
    assert answer.json()["error"] in ("invalid_grant", "invalid_scope")


def test_an_unsigned_or_symmetric_assertion_is_refused(google):
    info = google.service_account_key()
    now = int(time.time())
    claims = {"iss": info["client_email"], "sub": "alice@example.com", "scope": DRIVE_READ, "aud": info["token_uri"]}
    claims |= {"iat": now, "exp": now + 600}
    symmetric = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(b"k" * 32), algorithms=["HS256"])
    for bad in (symmetric, "not-a-jwt"):
        answer = httpx.post(f"{google.url}/token", data={"grant_type": JWT_BEARER, "assertion": bad}, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant", answer.text
