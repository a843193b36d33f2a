"""Mail with real tokens from the Entra emulator, the 4-concurrent-requests-per-mailbox limit, per-user throttling
and injected faults, all in Graph's shapes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.microsoft.users import DAEMON_APP

from .conftest import graph_client
from .test_identity import msal_app, sign_in

GRAPH = "https://graph.microsoft.com/"


@pytest.fixture(autouse=True)
def _fresh(fresh):
    return fresh


def test_a_signed_in_users_token_reads_and_sends_mail(base_url, ssl_context, msal_http, fresh):
    scopes = [GRAPH + "Mail.ReadWrite", GRAPH + "Mail.Send"]
    token = sign_in(base_url, ssl_context, msal_http, "bob@contoso.example", scopes)["access_token"]
    assert token.count(".") == 2  # a JWT, not a demo token
    with graph_client(base_url, ssl_context, token) as bob:
        assert "Facture 0042" in {m["subject"] for m in bob.get("/me/messages", params={"$top": "100"}).json()["value"]}
        message = {"subject": "Hi", "toRecipients": [{"emailAddress": {"address": "dana.lee@partner.org"}}]}
        assert bob.post("/me/sendMail", json={"message": message}).status_code == 202
    outbox = fresh.http.get(f"{fresh.base}/mail/outbox").json()["messages"]
    assert [m["sender"]["address"] for m in outbox] == ["bob@contoso.example"]


def test_tokens_without_mail_scopes_are_refused(base_url, ssl_context, msal_http):
    profile = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", ["User.Read"])["access_token"]
    with graph_client(base_url, ssl_context, profile) as alice:
        denied = alice.get("/me/messages")
        assert denied.status_code == 403 and "Mail.Read" in denied.json()["error"]["message"]
    no_send = sign_in(base_url, ssl_context, msal_http, "alice@contoso.example", [GRAPH + "Mail.ReadWrite"])
    with graph_client(base_url, ssl_context, no_send["access_token"]) as alice:
        assert alice.get("/me/mailFolders/inbox").status_code == 200
        refused = alice.post("/me/sendMail", json={"message": {"subject": "x"}})
        assert refused.status_code == 403 and "Mail.Send" in refused.json()["error"]["message"]


def test_an_app_only_token_reads_any_mailbox_but_not_me(base_url, ssl_context, msal_http):
    daemon = msal_app(base_url, msal_http, DAEMON_APP)
    token = daemon.acquire_token_for_client([GRAPH + ".default"])["access_token"]
    with graph_client(base_url, ssl_context, token) as app:
        assert app.get("/users/bob@contoso.example/messages").status_code == 200
        assert app.get("/users/legal@contoso.example/mailFolders").status_code == 200
        assert app.get("/me/messages").status_code == 400


def test_a_fifth_concurrent_request_on_one_mailbox_is_throttled_with_retry_after(alice, bob, fresh):
    assert fresh.http.post(f"{fresh.base}/mail/config", json={"handling_ms": 800}).status_code == 200
    calls = [(alice, "/me/mailFolders/inbox/messages")] * 5 + [(bob, "/me/mailFolders/inbox/messages")]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda call: call[0].get(call[1], params={"$top": "1"}), calls))
    alice_statuses = sorted(a.status_code for a in answers[:5])
    assert alice_statuses == [200, 200, 200, 200, 429]
    throttled = next(a for a in answers if a.status_code == 429)
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["code"] == "ApplicationThrottled"
    assert "MailboxConcurrency" in throttled.json()["error"]["message"]
    assert answers[5].status_code == 200  # Bob's mailbox has its own slots
    assert alice.get("/me/mailFolders/inbox/messages").status_code == 200  # slots are given back


def test_the_concurrency_control_rejects_bad_settings(fresh):
    answer = fresh.http.post(f"{fresh.base}/mail/config", json={"concurrency": 0})
    assert answer.status_code == 400 and "concurrency" in answer.json()["error"]
    defaults = {"handling_ms": 0, "concurrency": 4, "requests_per_10_minutes": 10000}
    assert fresh.http.get(f"{fresh.base}/mail/config").json() == defaults


def test_the_ten_minute_request_budget_per_mailbox_throttles_with_retry_after(alice, bob, fresh):
    fresh.http.post(f"{fresh.base}/mail/config", json={"requests_per_10_minutes": 3})
    answers = [alice.get("/me/mailFolders") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["error"]["code"] == "ApplicationThrottled"
    assert 590 <= int(answers[3].headers["Retry-After"]) <= 600
    assert bob.get("/me/mailFolders").status_code == 200  # another mailbox has its own budget
    assert alice.get("/me").status_code == 200  # only mail counts


def test_per_user_throttling_and_injected_faults_apply_to_mail(alice, fresh):
    fresh.fault(kind="status", status=503, retry_after=3, path="/v1.0/me/messages$")
    unavailable = alice.get("/me/messages")
    assert unavailable.status_code == 503 and unavailable.headers["Retry-After"] == "3"
    assert unavailable.json()["error"]["code"] == "serviceNotAvailable"
    assert alice.get("/me/messages").status_code == 200
    fresh.configure(rate_limits={"GET": 1})
    answers = [alice.get("/me/mailFolders") for _ in range(5)]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled and throttled[0].json()["error"]["code"] == "TooManyRequests"
    assert int(throttled[0].headers["Retry-After"]) >= 1
