"""Throttling per user with Retry-After, and injected faults, all in Graph's error shape."""

from __future__ import annotations

import msal
import pytest

from sandbox.microsoft.users import DAEMON_APP, TENANT_ID

from .conftest import graph_client


@pytest.fixture(autouse=True)
def _fresh(fresh):
    return fresh


def test_per_user_limits_answer_429_with_retry_after_in_graphs_shape(alice, bob, fresh):
    fresh.configure(rate_limits={"GET": 1})
    answers = [alice.get("/me/drive/root") for _ in range(5)]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled, [a.status_code for a in answers]
    assert int(throttled[0].headers["Retry-After"]) >= 1
    assert throttled[0].json()["error"]["code"] == "TooManyRequests"
    assert bob.get("/me/drive/root").status_code == 200  # Bob has his own budget


def test_an_injected_rate_limit_fault_answers_429_once(alice, fresh):
    fresh.fault(kind="rate_limit", path="/v1.0/me/drive/root/children", retry_after=7)
    first = alice.get("/me/drive/root/children")
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert first.json()["error"]["code"] == "TooManyRequests"
    assert alice.get("/me/drive/root/children").status_code == 200


def test_an_injected_503_carries_a_graph_error_body(alice, fresh):
    fresh.fault(kind="status", status=503, retry_after=3, path="/v1.0/me/drive$")
    answer = alice.get("/me/drive")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "3"
    assert answer.json()["error"]["code"] == "serviceNotAvailable"


def test_an_injected_expired_credential_answers_401_invalid_authentication_token(alice, fresh):
    fresh.fault(kind="expired_credentials", path="/v1.0/me")
    answer = alice.get("/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "WWW-Authenticate" in answer.headers


def test_the_request_log_records_who_called_what(alice, fresh):
    fresh.clear_requests()
    alice.get("/me/drive/root/children")
    entries = [e for e in fresh.requests() if e["path"] == "/v1.0/me/drive/root/children"]
    assert entries and entries[0]["status"] == 200


def test_the_identity_control_rejects_unknown_settings(fresh):
    answer = fresh.http.post(f"{fresh.base}/identity", json={"lifetime": 5})
    assert answer.status_code == 400 and "access_token_lifetime_s" in answer.json()["error"]


def test_resource_unit_budgets_throttle_an_application_by_what_its_calls_cost(alice, bob, fresh, tenant):
    tenant.resource_units(10)
    assert alice.get("/me/drive/root").status_code == 200  # 1 RU
    listing = alice.get("/me/drive/root/children")  # 2 RU
    assert listing.status_code == 200 and "RateLimit-Remaining" not in listing.headers
    item = alice.get("/me/drive/root:/Finance").json()
    near = alice.get(f"/me/drive/items/{item['id']}/permissions")  # 5 RU: 9 of 10 used
    assert near.status_code == 200 and near.headers["RateLimit-Remaining"] == "1"
    throttled = bob.get("/me/drive/root/children")  # same application (the connector): over budget
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert throttled.json()["error"]["code"] == "TooManyRequests"


def test_resource_unit_budgets_are_per_application(alice, base_url, ssl_context, fresh, tenant):
    tenant.resource_units(3)
    alice.get("/me/drive/root/children")
    alice.get("/me/drive/root/children")
    assert alice.get("/me/drive/root").status_code == 429
    with tenant.http_session() as http:
        daemon = msal.ConfidentialClientApplication(
            DAEMON_APP.client_id,
            client_credential=DAEMON_APP.secret,
            authority=f"{base_url}/{TENANT_ID}",
            http_client=http,
            instance_discovery=False,
        )
        token = daemon.acquire_token_for_client(["https://graph.microsoft.com/.default"])["access_token"]
    with graph_client(base_url, ssl_context, token) as app_only:
        assert app_only.get("/users/bob@contoso.example/drive/root").status_code == 200


def test_resource_unit_budget_settings_are_checked(fresh, tenant):
    assert tenant.resource_units(None) == {"per_minute": None}
    bad = fresh.http.post(f"{fresh.base}/graph/resource-units", json={"per_minute": 0})
    assert bad.status_code == 400 and "per_minute" in bad.json()["error"]
