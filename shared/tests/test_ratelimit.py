"""Token buckets: burst, steady rate, and pauses learnt from upstream headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shared.ratelimit import BucketRegistry, TokenBucket, parse_retry_after

from .fakes import FakeTime


def make_bucket(rate: float, capacity: float | None = None) -> tuple[TokenBucket, FakeTime]:
    time = FakeTime()
    return TokenBucket(rate, capacity, clock=time.clock, sleep=time.sleep), time


def test_burst_up_to_capacity_without_waiting():
    bucket, time = make_bucket(rate=2, capacity=3)
    assert [bucket.acquire() for _ in range(3)] == [0, 0, 0]
    assert time.sleeps == []


@pytest.mark.parametrize("rate", [2.0, 4.0, 10.0])
def test_after_the_burst_each_call_waits_one_token_interval(rate):
    bucket, time = make_bucket(rate=rate, capacity=3)
    for _ in range(3):
        bucket.acquire()
    for _ in range(4):
        bucket.acquire()
    assert time.sleeps == pytest.approx([1 / rate] * 4)


def test_concurrent_reservations_queue_up_proportionally():
    bucket, _ = make_bucket(rate=5, capacity=1)
    # Nobody sleeps in between: each reservation waits one more token interval.
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([0, 0.2, 0.4, 0.6])


def test_default_capacity_is_the_rate_but_at_least_one():
    assert TokenBucket(20).capacity == 20
    assert TokenBucket(0.5).capacity == 1.0


def test_refill_is_capped_at_capacity():
    bucket, time = make_bucket(rate=1, capacity=2)
    time.advance(3600)
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([0, 0, 1])


def test_pause_makes_the_next_call_wait_even_with_tokens():
    bucket, time = make_bucket(rate=10, capacity=10)
    bucket.pause(5)
    assert bucket.acquire() == pytest.approx(5)
    assert time.sleeps == pytest.approx([5])
    assert bucket.acquire() == 0  # the pause is over once waited out


def test_a_shorter_pause_does_not_shorten_a_longer_one():
    bucket, _ = make_bucket(rate=10)
    bucket.pause(30)
    bucket.pause(2)
    assert bucket.reserve() == pytest.approx(30)


def test_observe_retry_after_seconds_pauses():
    bucket, _ = make_bucket(rate=10)
    bucket.observe({"Retry-After": "7"})
    assert bucket.reserve() == pytest.approx(7)


def test_observe_remaining_zero_pauses_until_reset():
    bucket, _ = make_bucket(rate=10)
    reset = (datetime.now(UTC) + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    bucket.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    assert bucket.reserve() == pytest.approx(30, abs=2)


def test_observe_ignores_remaining_above_zero_or_without_reset():
    bucket, _ = make_bucket(rate=10)
    reset = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    bucket.observe({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": reset})
    bucket.observe({"X-RateLimit-Remaining": "0"})
    bucket.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "not a date"})
    bucket.observe({})
    assert bucket.reserve() == 0


def test_observe_retry_after_http_date():
    bucket, _ = make_bucket(rate=10)
    when = datetime.now(UTC) + timedelta(seconds=45)
    bucket.observe({"Retry-After": format_datetime(when, usegmt=True)})
    assert bucket.reserve() == pytest.approx(45, abs=2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 3 ", 3.0), ("1.5", 1.5), ("0", 0.0), ("-5", 0.0), (None, None), ("", None), ("soon", None)],
)
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_the_future():
    when = datetime.now(UTC) + timedelta(seconds=90)
    assert parse_retry_after(format_datetime(when, usegmt=True)) == pytest.approx(90, abs=2)


def test_parse_retry_after_http_date_in_the_past_is_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_registry_has_one_bucket_per_identity_and_upstream():
    registry = BucketRegistry(rate=3, capacity=5)
    bucket = registry.get("alice", "jira")
    assert registry.get("alice", "jira") is bucket
    assert registry.get("bob", "jira") is not bucket
    assert registry.get("alice", "confluence") is not bucket
    assert (bucket.rate, bucket.capacity) == (3, 5)


def test_one_identity_draining_its_bucket_does_not_slow_another():
    registry = BucketRegistry(rate=1, capacity=1)
    alice = registry.get("alice", "jira")
    alice.reserve()
    alice.pause(60)
    assert registry.get("bob", "jira").reserve() == 0


# -- per endpoint and method, as Atlassian meters bursts -----------------------------------------


def test_endpoint_of_folds_ids_keys_and_versions():
    from shared.ratelimit import endpoint_of

    assert endpoint_of("/rest/api/3/issue/SHOP-1") == endpoint_of("/rest/api/3/issue/OPS-77") == "/rest/api/{}/issue/{}"
    assert endpoint_of("/rest/api/3/search/jql") == "/rest/api/{}/search/jql"
    assert endpoint_of("/wiki/api/v2/pages/98618/properties") == "/wiki/api/{}/pages/{}/properties"


def test_rate_table_most_specific_factor_wins():
    from shared.ratelimit import RateTable

    table = RateTable(100, {"PUT": 0.5, ("GET", "/rest/api/{}/issue/{}"): 1.5})
    assert table.rate_for("GET", "/rest/api/{}/search/jql") == 100
    assert table.rate_for("GET", "/ex/jira/{}/rest/api/{}/issue/{}") == 150  # gateway prefix: same endpoint
    assert table.rate_for("PUT", "/rest/api/{}/issue/{}") == 50
    assert table.rate_for("GET", "/rest/api/{}/issue/{}/comment") == 100


def test_endpoint_buckets_one_per_method_and_endpoint_at_the_table_rate():
    from shared.ratelimit import EndpointBuckets, RateTable

    registry = BucketRegistry(rate=100)
    buckets = EndpointBuckets(registry, "alice", "Jira", RateTable(100, {("GET", "/rest/api/{}/issue/{}"): 1.5}))
    get_1 = buckets.for_request("GET", "https://x.atlassian.net/rest/api/3/issue/SHOP-1?fields=summary")
    get_2 = buckets.for_request("get", "https://x.atlassian.net/rest/api/3/issue/SHOP-2")
    put_1 = buckets.for_request("PUT", "https://x.atlassian.net/rest/api/3/issue/SHOP-1")
    search = buckets.for_request("POST", "https://x.atlassian.net/rest/api/3/search/jql")
    assert get_1 is get_2 and get_1.rate == 150
    assert put_1 is not get_1 and search is not get_1 and search.rate == 100
    # another person towards the same endpoint has a bucket of their own
    assert (
        EndpointBuckets(registry, "bob", "Jira", buckets.table).for_request(
            "GET", "https://x.atlassian.net/rest/api/3/issue/SHOP-1"
        )
        is not get_1
    )


def test_a_drained_endpoint_does_not_slow_another():
    from shared.ratelimit import EndpointBuckets, RateTable

    buckets = EndpointBuckets(BucketRegistry(rate=2), "alice", "Jira", RateTable(2))
    search = buckets.for_request("POST", "https://x/rest/api/3/search/jql")
    assert [search.reserve() for _ in range(2)] == [0.0, 0.0] and search.reserve() > 0
    assert buckets.for_request("GET", "https://x/rest/api/3/issue/SHOP-1").reserve() == 0.0


# -- a 429 teaches the upstream's rate --------------------------------------------------------


def test_a_429_with_a_limit_slows_the_bucket_to_it_so_queued_callers_leave_one_interval_apart():
    bucket, time = make_bucket(rate=100)
    bucket.observe({"Retry-After": "1", "X-RateLimit-Limit": "2"}, status=429)
    waits = [bucket.reserve() for _ in range(5)]
    assert waits == pytest.approx([1.0, 1.0, 1.5, 2.0, 2.5])  # the pause, then 2 per second


def test_a_learnt_rate_ages_out_back_to_the_configured_one():
    from shared.ratelimit import LEARNED_RATE_SECONDS

    bucket, time = make_bucket(rate=100)
    bucket.observe({"X-RateLimit-Limit": "2"}, status=429)
    assert bucket.rate == 2
    time.advance(LEARNED_RATE_SECONDS + 1)
    bucket.reserve()
    assert bucket.rate == 100 and bucket.capacity == 100


def test_a_quota_limit_or_a_success_does_not_change_the_rate():
    bucket, _ = make_bucket(rate=100)
    bucket.observe({"X-RateLimit-Limit": "65000", "RateLimit-Reason": "jira-quota-tenant-based"}, status=429)
    bucket.observe({"X-RateLimit-Limit": "2"}, status=200)
    assert bucket.rate == 100


def test_acquire_within_a_limit_refuses_a_longer_wait():
    from shared.ratelimit import WaitTooLong

    bucket, time = make_bucket(rate=1, capacity=1)
    bucket.acquire()
    with pytest.raises(WaitTooLong) as info:
        bucket.acquire(within=0.5)
    assert info.value.wait == pytest.approx(1.0) and time.sleeps == []


def test_endpoint_buckets_know_the_declared_read_only_posts():
    from shared.ratelimit import EndpointBuckets, RateTable

    buckets = EndpointBuckets(BucketRegistry(10), "alice", "Jira", RateTable(10), reads={("POST", "/search/jql")})
    assert buckets.is_read("POST", "https://x.atlassian.net/rest/api/3/search/jql")
    assert buckets.is_read("post", "https://x.atlassian.net/rest/api/3/search/jql?x=1")
    assert not buckets.is_read("POST", "https://x.atlassian.net/rest/api/3/issue")
    assert not TokenBucket(10).is_read("POST", "https://x.atlassian.net/rest/api/3/search/jql")
