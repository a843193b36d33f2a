"""Gmail quota units per user, fault injection, batch requests and OAuth scopes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from sandbox.google.gmail.testing import gmail_service, oauth_token, rfc822
from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, BOB_TOKEN

HIGH_CALL_LIMITS = {"GET": 10_000, "POST": 10_000, "PUT": 10_000, "DELETE": 10_000}


def send_body(to: str = "carol@partner.org") -> dict:
    return {"raw": base64.urlsafe_b64encode(rfc822("me@x", to, "quota", "text")).decode()}


def units(site: GoogleUnderTest, per_second: int) -> None:
    site.control.configure(rate_limits=HIGH_CALL_LIMITS)  # the budget applies while rate limits are on
    answer = httpx.post(site.url + "/__sandbox/google/gmail/config", json={"units_per_second": per_second})
    assert answer.status_code == 200


def test_a_send_costs_100_units_and_the_next_one_is_refused_with_gmails_429(fresh: GoogleUnderTest) -> None:
    units(fresh, 150)
    alice = gmail_service(fresh.url, ALICE_TOKEN)
    alice.users().messages().send(userId="me", body=send_body()).execute()  # 100 of 150
    alice.users().messages().list(userId="me", maxResults=1).execute()  # 5 more
    with pytest.raises(HttpError) as caught:
        alice.users().messages().send(userId="me", body=send_body()).execute()
    error = json.loads(caught.value.content)["error"]
    assert caught.value.resp.status == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded" and "User-rate limit exceeded" in error["message"]
    gmail_service(fresh.url, BOB_TOKEN).users().messages().send(userId="me", body=send_body()).execute()  # own budget
    assert len(httpx.get(fresh.url + "/__sandbox/google/gmail/outbox").json()["messages"]) == 2


def test_cheap_calls_fit_where_expensive_ones_do_not(fresh: GoogleUnderTest) -> None:
    units(fresh, 10)
    alice = gmail_service(fresh.url, ALICE_TOKEN)
    for _ in range(5):
        alice.users().getProfile(userId="me").execute()  # 1 unit each
    alice.users().messages().list(userId="me", maxResults=1).execute()  # 5 units: 10 spent
    with pytest.raises(HttpError) as caught:
        alice.users().threads().list(userId="me", maxResults=1).execute()  # 10 units
    assert caught.value.resp.status == 429


def test_without_rate_limits_the_budget_does_not_apply(fresh: GoogleUnderTest) -> None:
    httpx.post(fresh.url + "/__sandbox/google/gmail/config", json={"units_per_second": 100})
    alice = gmail_service(fresh.url, ALICE_TOKEN)
    for _ in range(3):
        alice.users().messages().send(userId="me", body=send_body()).execute()


def test_injected_faults_carry_googles_body_and_the_client_retries_them(fresh: GoogleUnderTest) -> None:
    fresh.control.fault(kind="status", status=503, path="^/gmail/v1/users/me/messages$", times=1)
    alice = gmail_service(fresh.url, ALICE_TOKEN)
    with pytest.raises(HttpError) as caught:
        alice.users().messages().list(userId="me").execute()
    assert caught.value.resp.status == 503 and json.loads(caught.value.content)["error"]["errors"][0]["reason"] == (
        "backendError"
    )
    fresh.control.fault(kind="rate_limit", path="^/gmail/v1/users/me/profile$", times=1)
    throttled = httpx.get(fresh.url + "/gmail/v1/users/me/profile", headers={"Authorization": f"Bearer {ALICE_TOKEN}"})
    assert throttled.status_code == 429 and "User-rate limit exceeded" in throttled.json()["error"]["message"]
    fresh.control.fault(kind="status", status=429, path="^/gmail/v1/users/me/profile$", times=1)
    assert alice.users().getProfile(userId="me").execute(num_retries=1)["emailAddress"] == "alice@example.com"


def test_a_batch_runs_each_part_and_refuses_parts_over_budget_one_by_one(fresh: GoogleUnderTest) -> None:
    alice = gmail_service(fresh.url, ALICE_TOKEN)
    ids = [m["id"] for m in alice.users().messages().list(userId="me", q="from:ci", maxResults=4).execute()["messages"]]
    units(fresh, 12)  # two gets of 5 units, then refusals
    answers: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Any) -> None:
        answers[request_id] = exception.resp.status if exception else response["id"]

    batch = alice.new_batch_http_request(callback=collect)
    for message_id in ids:
        batch.add(alice.users().messages().get(userId="me", id=message_id, format="minimal"))
    batch.execute()
    assert [answers[str(n)] for n in range(1, 5)] == [ids[0], ids[1], 429, 429]
    paths = {r["path"] for r in fresh.control.requests()}
    assert "/batch" in paths  # the discovery document's batchPath


def test_scopes_are_enforced_readonly_cannot_send_and_metadata_cannot_read_bodies(fresh: GoogleUnderTest) -> None:
    reader = gmail_service(fresh.url, oauth_token(fresh.url, "https://www.googleapis.com/auth/gmail.readonly"))
    assert reader.users().getProfile(userId="me").execute()["emailAddress"] == "bob@example.com"
    with pytest.raises(HttpError) as cannot_send:
        reader.users().messages().send(userId="me", body=send_body()).execute()
    assert cannot_send.value.resp.status == 403 and b"insufficientPermissions" in cannot_send.value.content
    meta = gmail_service(fresh.url, oauth_token(fresh.url, "https://www.googleapis.com/auth/gmail.metadata"))
    ref = meta.users().messages().list(userId="me").execute()["messages"][0]
    assert "payload" in meta.users().messages().get(userId="me", id=ref["id"], format="metadata").execute()
    with pytest.raises(HttpError) as full:
        meta.users().messages().get(userId="me", id=ref["id"]).execute()
    assert full.value.resp.status == 403
    with pytest.raises(HttpError) as search:
        meta.users().messages().list(userId="me", q="hello").execute()
    assert search.value.resp.status == 403 and b"'q'" in search.value.content


def test_a_missing_token_is_401_with_googles_body(fresh: GoogleUnderTest) -> None:
    answer = httpx.get(fresh.url + "/gmail/v1/users/me/profile")
    assert answer.status_code == 401 and answer.json()["error"]["errors"][0]["reason"] == "authError"
