"""The scripted upstream and the client under test, for the ResilientAdapter tests.

ResilientAdapter against a real, scripted HTTP server on 127.0.0.1.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shared.circuit import CircuitBreaker
from shared.http import ResilientAdapter, RetryPolicy
from shared.ratelimit import TokenBucket

from ..fakes import FakeTime

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
