"""Per-user quotas and fault injection answer with Google's error JSON, as google-api-python-client expects."""

from __future__ import annotations

import httpx
import pytest
from googleapiclient.http import _should_retry_response

from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, BOB_TOKEN


def get(site: GoogleUnderTest, token: str = ALICE_TOKEN, path: str = "/drive/v3/files") -> httpx.Response:
    return httpx.get(site.url + path, params={"pageSize": 1}, headers={"Authorization": f"Bearer {token}"})


def first_refusal(site: GoogleUnderTest, token: str = ALICE_TOKEN, attempts: int = 20) -> httpx.Response:
    """Call until the limiter refuses (the bucket holds one request per second, so the second call is refused)."""
    for _ in range(attempts):
        answer = get(site, token)
        if answer.status_code != 200:
            return answer
    raise AssertionError("the per-user limit never refused a request")


def test_the_per_user_limit_answers_403_user_rate_limit_exceeded(fresh: GoogleUnderTest) -> None:
    fresh.control.configure(rate_limits={"GET": 1})
    refused = first_refusal(fresh)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {
            "code": 403,
            "message": "User Rate Limit Exceeded",
            "status": "PERMISSION_DENIED",
            "errors": [
                {"message": "User Rate Limit Exceeded", "domain": "usageLimits", "reason": "userRateLimitExceeded"}
            ],
        }
    }
    assert _should_retry_response(refused.status_code, refused.content)  # the client library backs off on it
    assert get(fresh, BOB_TOKEN).status_code == 200  # another user's quota is untouched
    log = [r for r in fresh.control.requests() if r["status"] == 403]
    assert log and log[0]["account"] == "alice@example.com"


def test_the_limit_can_answer_429_resource_exhausted(fresh: GoogleUnderTest) -> None:
    fresh.control.configure(rate_limits={"GET": 1})
    fresh.control._call("POST", "google/quota", {"answer": 429})
    refused = first_refusal(fresh)
    error = refused.json()["error"]
    assert refused.status_code == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded" and "retry-after" not in refused.headers
    assert _should_retry_response(refused.status_code, refused.content)


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "internalError"), (503, "backendError"), (403, "userRateLimitExceeded"), (429, "rateLimitExceeded")],
)
def test_injected_statuses_carry_googles_error_body(fresh: GoogleUnderTest, status: int, reason: str) -> None:
    fresh.control.fault(kind="status", status=status, path="^/drive/v3/files$", times=1)
    answer = get(fresh)
    assert answer.status_code == status and answer.json()["error"]["errors"][0]["reason"] == reason
    assert get(fresh).status_code == 200  # the fault fired once


def test_an_expired_credentials_fault_is_drives_401(fresh: GoogleUnderTest) -> None:
    fresh.control.fault(kind="expired_credentials", path="^/drive/", times=1)
    answer = get(fresh)
    assert answer.status_code == 401 and answer.json()["error"]["errors"][0]["reason"] == "authError"


def test_a_fault_scoped_to_a_path_leaves_other_paths_alone(fresh: GoogleUnderTest) -> None:
    fresh.control.fault(kind="status", status=503, path="^/drive/v3/about", times=1)
    assert get(fresh).status_code == 200
    assert get(fresh, path="/drive/v3/about?fields=user").status_code == 503


def test_google_control_rejects_bad_settings_with_a_clear_message(fresh: GoogleUnderTest) -> None:
    answer = httpx.post(fresh.url + "/__sandbox/google/quota", json={"answer": 500})
    assert answer.status_code == 400 and "403" in answer.json()["error"]
    assert httpx.get(fresh.url + "/__sandbox/google/config").json() == {
        "access_token_lifetime": 3600,
        "quota_answer": 403,
        "quota_reason": "userRateLimitExceeded",
        "external_sharing": True,
    }
    assert httpx.post(fresh.url + "/__sandbox/google/nothing").status_code == 404


def test_unknown_paths_get_googles_html_404(fresh: GoogleUnderTest) -> None:
    answer = get(fresh, path="/drive/v2/files")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "Error 404 (Not Found)" in answer.text


def test_the_limit_can_answer_the_projects_403_rate_limit_exceeded(fresh: GoogleUnderTest) -> None:
    fresh.control.configure(rate_limits={"GET": 1})
    fresh.control._call("POST", "google/quota", {"answer": 403, "reason": "rateLimitExceeded"})
    refused = first_refusal(fresh)
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0] == {
        "message": "Rate Limit Exceeded",
        "domain": "usageLimits",
        "reason": "rateLimitExceeded",
    }
    assert _should_retry_response(refused.status_code, refused.content)
