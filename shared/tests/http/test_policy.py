"""ResilientAdapter: the circuit breaker, its pieces, read-only POSTs and one deadline per call."""

import pytest
import requests

from shared.circuit import CLOSED, OPEN, CircuitBreaker
from shared.errors import RateLimited, UncertainWrite, UpstreamUnavailable
from shared.http import ResilientAdapter, RetryPolicy, _never_sent, resilient_session
from shared.ratelimit import TokenBucket

from ..fakes import FakeTime
from .conftest import TIMEOUT, Reset, Respond, Slow, make_client

# -- circuit breaker -------------------------------------------------------------------------


def test_circuit_opens_after_consecutive_failures_then_fails_fast(upstream):
    made = make_client(attempts=1, threshold=3, cooldown=30)
    upstream.then(*[Respond(503)] * 3)
    for _ in range(3):
        assert made.session.get(f"{upstream.url}/x").status_code == 503
    assert made.breaker.state == OPEN
    with pytest.raises(UpstreamUnavailable, match="failing repeatedly"):
        made.session.get(f"{upstream.url}/x")
    with pytest.raises(UpstreamUnavailable):
        made.session.post(f"{upstream.url}/x", json={})
    assert len(upstream.received) == 3  # the open circuit sent nothing


def test_circuit_counts_network_failures_and_half_opens_after_cooldown(upstream):
    made = make_client(attempts=1, threshold=2, cooldown=30)
    upstream.then(Reset(), Reset(), Respond(200, body=b"recovered"))
    for _ in range(2):
        with pytest.raises(UpstreamUnavailable):
            made.session.get(f"{upstream.url}/x")
    with pytest.raises(UpstreamUnavailable, match="failing repeatedly"):
        made.session.get(f"{upstream.url}/x")
    assert len(upstream.received) == 2
    made.time.advance(30)  # cooldown over: one trial goes through
    assert made.session.get(f"{upstream.url}/x").text == "recovered"
    assert made.breaker.state == CLOSED
    assert len(upstream.received) == 3


def test_failed_half_open_trial_reopens_the_circuit(upstream):
    made = make_client(attempts=1, threshold=2, cooldown=30)
    upstream.then(Respond(500), Respond(500), Respond(500), Respond(200))
    made.session.get(f"{upstream.url}/x")
    made.session.get(f"{upstream.url}/x")
    made.time.advance(30)
    assert made.session.get(f"{upstream.url}/x").status_code == 500  # the trial
    assert made.breaker.state == OPEN
    with pytest.raises(UpstreamUnavailable):
        made.session.get(f"{upstream.url}/x")
    assert len(upstream.received) == 3


def test_retries_stop_when_the_circuit_opens_mid_call(upstream):
    made = make_client(attempts=4, threshold=2)
    upstream.then(*[Respond(503)] * 4)
    with pytest.raises(UpstreamUnavailable, match="failing repeatedly"):
        made.session.get(f"{upstream.url}/x")
    assert len(upstream.received) == 2


def test_a_429_does_not_count_as_a_circuit_failure(upstream):
    made = make_client(attempts=1, threshold=2)
    upstream.then(Respond(429), Respond(429), Respond(429))
    for _ in range(3):
        assert made.session.get(f"{upstream.url}/x").status_code == 429
    assert made.breaker.state == CLOSED


# -- pieces ----------------------------------------------------------------------------------


def test_backoff_is_exponential_jittered_and_capped():
    policy = RetryPolicy(base_delay=0.25, max_delay=8.0)
    for attempt, nominal in [(0, 0.25), (1, 0.5), (2, 1.0), (10, 8.0)]:
        for _ in range(50):
            assert nominal * 0.7 <= policy.backoff(attempt) <= nominal * 1.3


def test_never_sent_tells_connect_failures_from_read_failures():
    assert _never_sent(requests.exceptions.ConnectTimeout("connect timed out"))
    assert not _never_sent(requests.exceptions.ReadTimeout("read timed out"))
    assert not _never_sent(requests.exceptions.ConnectionError("Connection aborted."))


def test_resilient_session_mounts_the_adapter_for_both_schemes():
    time = FakeTime()
    bucket = TokenBucket(10, clock=time.clock, sleep=time.sleep)
    breaker = CircuitBreaker("Jira", clock=time.clock)
    session = resilient_session("Jira", bucket, breaker)
    for url in ("http://jira.local/x", "https://jira.example.com/x"):
        adapter = session.get_adapter(url)
        assert isinstance(adapter, ResilientAdapter)
        assert adapter.buckets is bucket and adapter.breaker is breaker
    session.close()


def test_a_429_pauses_only_the_endpoint_that_answered_it(upstream):
    """Atlassian meters bursts per endpoint: a throttled search must not hold back issue reads."""
    from shared.ratelimit import BucketRegistry, EndpointBuckets, RateTable

    buckets = EndpointBuckets(BucketRegistry(rate=1000), "alice", "Jira", RateTable(1000))
    policy = RetryPolicy(attempts=1, timeout=TIMEOUT)
    session = requests.Session()
    session.mount("http://", ResilientAdapter("Jira", buckets, CircuitBreaker("Jira"), policy))
    upstream.then(Respond(429, {"Retry-After": "10"}))
    assert session.get(f"{upstream.url}/rest/api/3/search/jql").status_code == 429  # last attempt: handed back
    search = buckets.for_request("GET", f"{upstream.url}/rest/api/3/search/jql")
    issue = buckets.for_request("GET", f"{upstream.url}/rest/api/3/issue/SHOP-1")
    assert search.paused_for() > 5 and issue.paused_for() == 0
    assert session.get(f"{upstream.url}/rest/api/3/issue/SHOP-1").status_code == 200
    session.close()


# -- read-only POSTs -------------------------------------------------------------------------


def endpoint_client(reads) -> tuple[requests.Session, list[float]]:
    from shared.ratelimit import BucketRegistry, EndpointBuckets, RateTable

    slept: list[float] = []
    buckets = EndpointBuckets(BucketRegistry(rate=1000), "alice", "Jira", RateTable(1000), reads=reads)
    session = requests.Session()
    adapter = ResilientAdapter(
        "Jira", buckets, CircuitBreaker("Jira"), RetryPolicy(timeout=TIMEOUT), sleep=slept.append
    )
    session.mount("http://", adapter)
    return session, slept


@pytest.mark.parametrize("failure", [Respond(503), Reset(), Slow()])
def test_a_declared_read_only_post_is_retried_like_a_read(upstream, failure):
    session, slept = endpoint_client(reads={("POST", "/search/jql")})
    upstream.then(failure, Respond(200, body=b"found"))
    response = session.post(f"{upstream.url}/rest/api/3/search/jql", json={"jql": "project = SHOP"})
    assert response.text == "found"
    assert upstream.methods() == ["POST", "POST"] and len(slept) == 1
    session.close()


def test_other_posts_of_that_upstream_stay_writes(upstream):
    session, _ = endpoint_client(reads={("POST", "/search/jql")})
    upstream.then(Respond(503), Respond(201))
    with pytest.raises(UncertainWrite):
        session.post(f"{upstream.url}/rest/api/3/issue", json={"fields": {}})
    assert upstream.methods() == ["POST"]
    session.close()


# -- one deadline per call -------------------------------------------------------------------


def test_retries_stop_when_the_next_attempt_cannot_fit_in_the_call_deadline(upstream):
    from shared.http import call_deadline

    made = make_client(attempts=10)
    made.session.get_adapter("http://")._clock = made.time.clock
    upstream.then(*[Respond(503)] * 10)
    started = made.time.now
    with call_deadline(3.0, clock=made.time.clock):
        response = made.session.get(f"{upstream.url}/x")
    assert response.status_code == 503  # the last answer, handed back when no retry fits
    assert made.time.now - started <= 3.0
    assert 2 <= len(upstream.received) <= 3  # backoffs 0.5, 1, 2 (+-30%): the third retry never fits


def test_a_read_that_keeps_failing_past_the_deadline_says_it_did_not_answer_in_time(upstream):
    from shared.errors import TimedOut
    from shared.http import call_deadline

    made = make_client(attempts=10)
    made.session.get_adapter("http://")._clock = made.time.clock
    upstream.then(*[Reset()] * 10)
    with call_deadline(2.0, clock=made.time.clock), pytest.raises(TimedOut) as info:
        made.session.get(f"{upstream.url}/x")
    assert "did not answer in time" in str(info.value) and "2 s" in str(info.value)


def test_a_wait_on_the_bucket_longer_than_the_time_left_is_handed_back(upstream):
    from shared.http import call_deadline

    made = make_client()
    made.session.get_adapter("http://")._clock = made.time.clock
    made.bucket.pause(5)
    with call_deadline(2.0, clock=made.time.clock), pytest.raises(RateLimited):
        made.session.get(f"{upstream.url}/x")
    assert upstream.received == [] and made.waits == []


def test_each_request_timeout_is_capped_by_the_time_left(upstream):
    from shared.http import call_deadline

    made = make_client()
    adapter = made.session.get_adapter("http://")
    adapter._clock = made.time.clock
    with call_deadline(0.1 + 0.5, clock=made.time.clock):
        made.time.advance(0.5)
        assert adapter._timeout(60) == pytest.approx(0.1)
        assert adapter._timeout((5, 60)) == (pytest.approx(0.1), pytest.approx(0.1))
    assert adapter._timeout(60) == TIMEOUT  # outside a call: the policy's timeout
