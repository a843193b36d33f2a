"""ResilientAdapter: retries of idempotent requests, writes that are never replayed, long Retry-After."""

import io
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shared.errors import RateLimited, UncertainWrite, UpstreamUnavailable

from .conftest import Handler, QuietServer, Reset, Respond, Slow, StallBody, Upstream, make_client, start

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


def test_a_file_body_is_sent_whole_again_when_replayed(upstream, client):
    upstream.then(Respond(503), Respond(200))
    assert client.session.put(f"{upstream.url}/x", data=io.BytesIO(b"0123456789")).status_code == 200
    assert [body for _, _, body in upstream.received] == [b"0123456789", b"0123456789"]


def test_a_one_shot_stream_is_never_replayed(upstream, client):
    upstream.then(Respond(503), Respond(200))
    chunks = iter([b"01234", b"56789"])
    with pytest.raises(UncertainWrite):  # sent once, failed upstream: said so, never resent empty
        client.session.put(f"{upstream.url}/x", data=chunks)
    assert upstream.methods() == ["PUT"]


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
