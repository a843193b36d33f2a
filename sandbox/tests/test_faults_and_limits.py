"""Rate limiting, fault injection, latency, request log and the control API."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.atlassian.users import DEMO_ACCOUNT_ID

TASK = {"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "fault probe"}}


def _count(api):
    return api.post("/rest/api/3/search/approximate-count", {"jql": "project = OPS"}).json()["count"]


def test_rate_limit_429_headers(api, clean):
    clean.configure(rate_limits={"GET": 3})
    statuses, last = [], None
    for _ in range(8):
        last = api.get("/rest/api/3/priority")
        statuses.append(last.status_code)
        if last.status_code == 429:
            break
    assert 429 in statuses
    h = last.headers
    assert int(h["Retry-After"]) >= 1
    assert h["X-RateLimit-Limit"] == "3" and h["X-RateLimit-Remaining"] == "0"
    assert h["RateLimit-Reason"] == "jira-burst-based" and "T" in h["X-RateLimit-Reset"]
    # other endpoint templates have their own bucket
    assert api.get("/rest/api/3/status").status_code == 200
    clean.configure(rate_limits={"GET": 10})
    r = None
    for _ in range(9):
        r = api.get("/rest/api/3/resolution")
    assert r.headers.get("X-RateLimit-NearLimit") == "true"


def test_default_limits_carry_the_single_issue_read_override(api, clean):
    """Jira Cloud: GET and POST 100/s per endpoint, single-issue reads 150/s, PUT 50/s."""

    def limit(method, path, body=None):
        r = api.get(path) if method == "GET" else api.put(path, body)
        return r.headers["X-RateLimit-Limit"]

    assert limit("GET", "/rest/api/3/issue/SHOP-1?fields=summary") == "150"
    assert limit("GET", "/rest/api/2/issue/SHOP-1?fields=summary") == "150"
    assert limit("GET", "/rest/api/3/issue/SHOP-1/comment") == "100"
    assert limit("GET", "/rest/api/3/priority") == "100"
    assert limit("PUT", "/rest/api/3/issue/SHOP-1", {"fields": {}}) == "50"
    clean.configure(rate_limits={"GET": 7})  # explicit limits apply to every endpoint alike
    assert limit("GET", "/rest/api/3/issue/SHOP-1?fields=summary") == "7"


def test_status_fault_with_times_and_retry_after(api, clean):
    clean.fault(kind="status", status=503, retry_after=7, path=r"/myself$", method="GET", times=2)
    for _ in range(2):
        r = api.get("/rest/api/3/myself")
        assert r.status_code == 503 and r.headers["Retry-After"] == "7"
    assert api.get("/rest/api/3/myself").status_code == 200
    clean.fault(kind="status", status=500, path=r"/field$")
    assert api.get("/rest/api/3/myself").status_code == 200  # path does not match
    assert api.get("/rest/api/3/field").status_code == 500


def test_rate_limit_fault(api, clean):
    clean.fault(kind="rate_limit", retry_after=3)
    r = api.get("/rest/api/3/myself")
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    assert r.headers["RateLimit-Reason"] == "jira-burst-based"


def test_latency(api, clean):
    clean.fault(kind="latency", delay_ms=300)
    t0 = time.monotonic()
    assert api.get("/rest/api/3/myself").status_code == 200
    assert time.monotonic() - t0 >= 0.3
    clean.configure(latency_ms=200)
    t0 = time.monotonic()
    api.get("/rest/api/3/myself")
    assert time.monotonic() - t0 >= 0.2


def test_timeout(api, clean):
    clean.fault(kind="timeout", delay_ms=5000)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.s.get(api.base + "/rest/api/3/myself", timeout=0.3)
    assert api.get("/rest/api/3/myself").status_code == 200


def test_reset(api, clean):
    clean.fault(kind="reset", path="/myself")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(api.base + "/rest/api/3/myself", auth=api.s.auth, timeout=5)
    assert api.get("/rest/api/3/myself").status_code == 200


def test_malformed(api, clean):
    clean.fault(kind="malformed", path="/issue/SHOP-1")
    r = api.get("/rest/api/3/issue/SHOP-1")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()


def test_expired_credentials(api, clean):
    clean.fault(kind="expired_credentials")
    r = api.get("/rest/api/3/myself")
    assert r.status_code == 401 and r.json()["errorMessages"]


def test_write_faults_do_not_apply_unless_after_write(api, clean):
    before = _count(api)
    clean.fault(kind="status", status=502, method="POST", path=r"/rest/api/3/issue$")
    assert api.post("/rest/api/3/issue", TASK).status_code == 502
    clean.fault(kind="reset", method="POST", path=r"/rest/api/3/issue$")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(api.base + "/rest/api/3/issue", json=TASK, auth=api.s.auth, timeout=5)
    assert _count(api) == before
    clean.fault(kind="status", status=500, method="POST", path=r"/rest/api/3/issue$", after_write=True)
    assert api.post("/rest/api/3/issue", TASK).status_code == 500
    assert _count(api) == before + 1
    clean.fault(kind="reset", method="POST", path=r"/rest/api/3/issue$", after_write=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(api.base + "/rest/api/3/issue", json=TASK, auth=api.s.auth, timeout=5)
    assert _count(api) == before + 2
    clean.fault(kind="timeout", delay_ms=5000, method="POST", path=r"/rest/api/3/issue$", after_write=True)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.s.post(api.base + "/rest/api/3/issue", json=TASK, timeout=0.3)
    assert _count(api) == before + 3


def test_bad_fault_spec(api, clean):
    r = requests.post(api.base + "/__sandbox/faults", json={"kind": "nope"})
    assert r.status_code == 400


def test_request_log(api, clean):
    clean.clear_requests()
    api.get("/rest/api/3/myself")
    requests.get(api.base + "/rest/api/3/myself")
    log = clean.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/rest/api/3/myself", 200),
        ("GET", "/rest/api/3/myself", 401),
    ]
    assert log[0]["account"] == DEMO_ACCOUNT_ID and log[1]["account"] is None


def test_reset_reseeds(api, clean):
    r = api.post("/rest/api/3/issue", TASK)
    key = r.json()["key"]
    clean.fault(kind="status", status=500)
    clean.reset()
    assert api.get(f"/rest/api/3/issue/{key}").status_code in (200, 404)
    assert clean.faults() == []
    assert _count(api) == 90
