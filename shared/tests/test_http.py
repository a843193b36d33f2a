"""ResilientAdapter against a real, scripted HTTP server on 127.0.0.1.

The server answers each request with the next scripted action (default: 200). The adapter,
its token bucket and its circuit breaker share one fake clock whose sleep advances time, so
retries and pauses are observed as recorded delays, never slept.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shared.circuit import CLOSED, OPEN, CircuitBreaker
from shared.errors import RateLimited, UncertainWrite, UpstreamUnavailable
from shared.http import ResilientAdapter, RetryPolicy, _never_sent, resilient_session
from shared.ratelimit import TokenBucket

from .fakes import FakeTime

TIMEOUT = 0.3  # client read timeout used by every policy here: the slow-response tests wait this long


# -- the scripted upstream -------------------------------------------------------------------


@dataclass
class Respond:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


class Reset:
    """Drop the connection with a TCP reset, without answering."""


@dataclass
class Slow:
    """Answer 200, but only after `seconds` (or when the test ends)."""

    seconds: float = 5.0


class StallBody:
    """Send the status line and headers, then stall in the middle of the body."""


class Upstream:
    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.script: deque = deque()
        self.received: list[tuple[str, str, bytes]] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server
        return f"http://{host}:{port}"

    def then(self, *actions) -> Upstream:
        self.script.extend(actions)
        return self

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.received]

    def next_action(self, method: str, path: str, body: bytes):
        with self.lock:
            self.received.append((method, path, body))
            return self.script.popleft() if self.script else Respond()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        upstream: Upstream = self.server.upstream  # type: ignore[attr-defined]
        action = upstream.next_action(self.command, self.path, body)
        if isinstance(action, Reset):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if isinstance(action, StallBody):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"partial")
            upstream.release.wait(5)
            self.close_connection = True
            return
        if isinstance(action, Slow):
            upstream.release.wait(action.seconds)
            action = Respond()
        self.send_response(action.status)
        for name, value in action.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(action.body)))
        self.end_headers()
        self.wfile.write(action.body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that gave up is expected
        pass


def start(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def upstream():
    server = QuietServer(("127.0.0.1", 0), Handler)
    up = Upstream(server)
    server.upstream = up  # type: ignore[attr-defined]
    start(server)
    yield up
    up.release.set()
    server.shutdown()
    server.server_close()


# -- the client under test -------------------------------------------------------------------


@dataclass
class Client:
    session: requests.Session
    bucket: TokenBucket
    breaker: CircuitBreaker
    time: FakeTime
    retries: list[float]  # delays the adapter slept before retrying
    waits: list[float]  # delays the token bucket slept


def make_client(attempts=3, threshold=100, cooldown=30.0, max_retry_after=20.0, rate=1000.0) -> Client:
    time = FakeTime()
    retries: list[float] = []
    waits: list[float] = []

    def adapter_sleep(seconds: float) -> None:
        retries.append(seconds)
        time.advance(seconds)

    def bucket_sleep(seconds: float) -> None:
        waits.append(seconds)
        time.advance(seconds)

    bucket = TokenBucket(rate, clock=time.clock, sleep=bucket_sleep)
    breaker = CircuitBreaker("Jira", threshold=threshold, cooldown=cooldown, clock=time.clock)
    policy = RetryPolicy(
        attempts=attempts, base_delay=0.5, max_delay=8.0, max_retry_after=max_retry_after, timeout=TIMEOUT
    )
    session = requests.Session()
    adapter = ResilientAdapter("Jira", bucket, breaker, policy, sleep=adapter_sleep)
    session.mount("http://", adapter)
    return Client(session, bucket, breaker, time, retries, waits)


@pytest.fixture
def client():
    made = make_client()
    yield made
    made.session.close()


# -- idempotent requests ---------------------------------------------------------------------


def test_plain_success_makes_one_request_and_no_waits(upstream, client):
    response = client.session.get(f"{upstream.url}/rest/api/3/myself")
    assert response.status_code == 200 and response.text == "ok"
    assert upstream.received == [("GET", "/rest/api/3/myself", b"")]
    assert client.retries == [] and client.waits == []


def test_get_retried_on_429_honouring_retry_after(upstream, client):
    upstream.then(Respond(429, {"Retry-After": "3"}), Respond(200, body=b"done"))
    response = client.session.get(f"{upstream.url}/search")
    assert response.status_code == 200 and response.text == "done"
    assert upstream.methods() == ["GET", "GET"]
    assert client.waits == [pytest.approx(3.0)]  # waited on the shared bucket's pause, like every other caller
    assert client.retries == []  # and only there: no second, private sleep


def test_get_retried_on_429_with_http_date_retry_after(upstream, client):
    when = datetime.now(UTC) + timedelta(seconds=10)
    upstream.then(Respond(429, {"Retry-After": format_datetime(when, usegmt=True)}), Respond())
    assert client.session.get(f"{upstream.url}/x").status_code == 200
    (wait,) = client.waits
    assert 8.0 <= wait <= 12.0


def test_get_retried_on_503_with_exponential_backoff(upstream, client):
    upstream.then(Respond(503), Respond(503), Respond(200))
    response = client.session.get(f"{upstream.url}/x")
    assert response.status_code == 200
    assert upstream.methods() == ["GET"] * 3
    first, second = client.retries
    assert 0.5 * 0.7 <= first <= 0.5 * 1.3
    assert 1.0 * 0.7 <= second <= 1.0 * 1.3


def test_get_503_honours_retry_after_too(upstream, client):
    upstream.then(Respond(503, {"Retry-After": "2"}), Respond())
    assert client.session.get(f"{upstream.url}/x").status_code == 200
    assert 2.0 <= client.retries[0] <= 2.4


def test_attempts_are_bounded_and_the_last_answer_is_returned(upstream, client):
    upstream.then(*[Respond(503, body=b"down")] * 10)
    response = client.session.get(f"{upstream.url}/x")
    assert response.status_code == 503 and response.text == "down"
    assert len(upstream.received) == 3  # attempts=3, first try included
    assert len(client.retries) == 2


def test_429_on_the_last_attempt_is_returned_not_slept_on(upstream, client):
    upstream.then(*[Respond(429, {"Retry-After": "1"})] * 5)
    response = client.session.get(f"{upstream.url}/x")
    assert response.status_code == 429
    assert len(upstream.received) == 3
    assert len(client.waits) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 409])
def test_client_errors_are_not_retried(upstream, client, status):
    upstream.then(Respond(status), Respond(200))
    assert client.session.get(f"{upstream.url}/x").status_code == status
    assert len(upstream.received) == 1 and client.retries == []


def test_put_and_delete_are_replayed_on_503(upstream, client):
    upstream.then(Respond(503), Respond(204, body=b""), Respond(503), Respond(204, body=b""))
    assert client.session.put(f"{upstream.url}/x", json={"a": 1}).status_code == 204
    assert client.session.delete(f"{upstream.url}/x").status_code == 204
    assert upstream.methods() == ["PUT", "PUT", "DELETE", "DELETE"]


def test_get_retried_after_a_connection_reset(upstream, client):
    upstream.then(Reset(), Respond(200, body=b"back"))
    response = client.session.get(f"{upstream.url}/x")
    assert response.text == "back"
    assert upstream.methods() == ["GET", "GET"]
    assert len(client.retries) == 1


def test_get_retried_after_a_read_timeout(upstream, client):
    upstream.then(Slow(), Respond(200, body=b"fast"))
    response = client.session.get(f"{upstream.url}/x")
    assert response.text == "fast"
    assert upstream.methods() == ["GET", "GET"]


def test_get_whose_body_stalls_is_handled_by_the_policy(upstream, client):
    """The body is read inside the adapter, so a body that stalls (or a reset mid-body) meets the same
    policy as any other network failure of a GET: retried, or a clear, retryable ConnectorError."""
    upstream.then(StallBody(), Respond(200, body=b"whole"))
    try:
        response = client.session.get(f"{upstream.url}/x")
    except UpstreamUnavailable:
        return  # acceptable: a clear, retryable ConnectorError
    assert response.text == "whole"  # or: retried like any other network failure of a GET


def test_get_that_keeps_failing_raises_upstream_unavailable(upstream, client):
    upstream.then(Reset(), Reset(), Reset(), Reset())
    with pytest.raises(UpstreamUnavailable, match="Jira did not answer"):
        client.session.get(f"{upstream.url}/x")
    assert len(upstream.received) == 3


# -- writes ----------------------------------------------------------------------------------


def test_post_retried_on_429_with_the_same_body(upstream, client):
    upstream.then(Respond(429, {"Retry-After": "1"}), Respond(201, body=b"created"))
    response = client.session.post(f"{upstream.url}/issue", json={"summary": "Fix login"})
    assert response.status_code == 201
    assert [m for m, _, _ in upstream.received] == ["POST", "POST"]
    assert upstream.received[0][2] == upstream.received[1][2] == b'{"summary": "Fix login"}'
    assert client.waits == [pytest.approx(1.0)]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_answered_with_a_5xx_is_an_uncertain_write_never_replayed(upstream, client, status):
    upstream.then(Respond(status, body=b"oops"), Respond(201))
    with pytest.raises(UncertainWrite) as info:
        client.session.post(f"{upstream.url}/issue", json={"summary": "x"})
    assert f"Jira is having trouble (HTTP {status})" in str(info.value)
    assert "may or may not have been applied" in str(info.value)
    assert upstream.methods() == ["POST"]
    assert client.retries == []


def test_post_after_read_timeout_raises_uncertain_write_without_retry(upstream, client):
    upstream.then(Slow(), Respond(201))
    with pytest.raises(UncertainWrite) as info:
        client.session.post(f"{upstream.url}/issue", json={"summary": "x"})
    assert "may or may not have been applied" in str(info.value)
    assert upstream.methods() == ["POST"]
    assert client.retries == []


def test_caller_timeout_is_capped_by_the_policy(upstream, client):
    upstream.then(Slow(seconds=5))
    with pytest.raises(UncertainWrite):  # a 60 s caller timeout still gives up after policy.timeout
        client.session.post(f"{upstream.url}/issue", json={"summary": "x"}, timeout=60)


def test_post_after_connection_reset_raises_uncertain_write(upstream, client):
    upstream.then(Reset(), Respond(201))
    with pytest.raises(UncertainWrite):
        client.session.post(f"{upstream.url}/issue", json={"summary": "x"})
    assert upstream.methods() == ["POST"]


@pytest.fixture
def refusing():
    """A server bound to a port that is not listening yet: connects are refused until `activate()`."""
    server = QuietServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.server_bind()  # bound, not listening: a connect gets RST (refused)
    up = Upstream(server)
    server.upstream = up  # type: ignore[attr-defined]
    started = []

    def activate() -> None:
        if not started:
            server.server_activate()
            started.append(start(server))

    up.activate = activate  # type: ignore[attr-defined]
    yield up
    up.release.set()
    if started:
        server.shutdown()
    server.server_close()


def test_post_with_connection_refused_raises_upstream_unavailable_after_retries(refusing, client):
    with pytest.raises(UpstreamUnavailable, match="Jira did not answer"):
        client.session.post(f"{refusing.url}/issue", json={"summary": "x"})
    assert len(client.retries) == 2  # nothing was sent, so the write was retried up to the bound


def test_post_with_connection_refused_is_retried_and_sent_once(refusing):
    made = make_client()
    adapter = made.session.get_adapter("http://")

    def sleep_then_come_up(seconds: float) -> None:
        made.retries.append(seconds)
        refusing.activate()

    adapter._sleep = sleep_then_come_up
    response = made.session.post(f"{refusing.url}/issue", json={"summary": "x"})
    assert response.status_code == 200
    assert refusing.methods() == ["POST"]  # exactly one write reached the upstream
    assert len(made.retries) == 1
    made.session.close()


# -- long Retry-After ------------------------------------------------------------------------


def test_retry_after_longer_than_policy_raises_rate_limited(upstream, client):
    upstream.then(Respond(429, {"Retry-After": "120"}), Respond(200))
    with pytest.raises(RateLimited) as info:
        client.session.get(f"{upstream.url}/x")
    assert info.value.retry_after == 120
    assert "Retry in about 120 s" in str(info.value)
    assert len(upstream.received) == 1
    assert client.retries == []


def test_a_429_handed_back_as_rate_limited_releases_its_connection(upstream, client):
    """A 429 handed back as RateLimited (too long a Retry-After) is closed first, so its socket goes back
    to the pool instead of lingering until garbage collection (ResourceWarning: unclosed socket)."""
    adapter = client.session.get_adapter("http://")
    built = []
    original = adapter.build_response

    def recording_build_response(request, raw):
        built.append(raw)
        return original(request, raw)

    adapter.build_response = recording_build_response
    upstream.then(Respond(429, {"Retry-After": "120"}, body=b"slow down"))
    with pytest.raises(RateLimited):
        client.session.get(f"{upstream.url}/x")
    (raw,) = built
    assert raw.closed or raw.connection is None, "the 429 response was left open"


def test_post_with_long_retry_after_raises_rate_limited(upstream, client):
    upstream.then(Respond(429, {"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as info:
        client.session.post(f"{upstream.url}/issue", json={})
    assert info.value.retry_after == 3600


def test_after_a_long_retry_after_the_next_call_does_not_block_beyond_the_policy(upstream, client):
    """A Retry-After the adapter hands back as RateLimited must not block later calls for that long.

    Regression: `bucket.observe()` pauses the shared bucket for the full 3600 s, and the next call
    used to sleep that long in `bucket.acquire()` on a worker thread instead of failing fast.
    """
    upstream.then(Respond(429, {"Retry-After": "3600"}), Respond(200))
    with pytest.raises(RateLimited):
        client.session.get(f"{upstream.url}/x")
    try:
        client.session.get(f"{upstream.url}/x")
    except RateLimited:
        pass  # failing fast is fine; blocking is not
    longest = max(client.waits + client.retries, default=0.0)
    assert longest <= 20.0, f"a call blocked for {longest:.0f} s (policy.max_retry_after is 20 s)"


def test_remaining_zero_with_a_distant_reset_makes_the_next_call_fail_fast(upstream, client):
    reset = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    upstream.then(Respond(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}), Respond(200))
    assert client.session.get(f"{upstream.url}/x").status_code == 200
    with pytest.raises(RateLimited) as info:
        client.session.get(f"{upstream.url}/x")
    assert info.value.retry_after == pytest.approx(3600, abs=5)
    assert len(upstream.received) == 1  # nothing sent while the upstream asked us to hold off
    assert client.waits == [] and client.retries == []


def test_remaining_zero_with_a_near_reset_waits_then_proceeds(upstream, client):
    reset = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    upstream.then(
        Respond(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}), Respond(200, body=b"second")
    )
    client.session.get(f"{upstream.url}/x")
    assert client.session.get(f"{upstream.url}/x").text == "second"
    (wait,) = client.waits
    assert wait == pytest.approx(5, abs=2)


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
