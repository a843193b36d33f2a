"""Fixtures for shared-state tests: the real Redis on 127.0.0.1:6379, under a key prefix of our own.

Every test gets a fresh prefix (`ec-test-<uuid>:`) and only keys under it are ever deleted.
`Forwarder` is a TCP proxy in front of Redis that a test can close and reopen, to lose Redis
mid-flight and get it back without touching the server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REPO = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 10.0, what: str = "condition", interval: float = 0.02):
    """Poll `predicate` until it returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)  # polling interval, not a synchronisation guess


@pytest.fixture(scope="session")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:  # part of the test machine, like in CI: never skipped
        pytest.fail(f"Redis is required on {REDIS_HOST}:{REDIS_PORT} for tests/state: {exc}")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards (and only those)."""
    value = f"ec-test-{uuid.uuid4().hex[:12]}:"
    yield value
    keys = list(redis_client.scan_iter(match=value + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


def keys_under(client: redis.Redis, prefix: str) -> list[str]:
    return sorted(k.decode() for k in client.scan_iter(match=prefix + "*", count=1000))


class Forwarder:
    """A loopback TCP proxy to Redis that can be closed (connections reset, port refused) and reopened."""

    def __init__(self, target: tuple[str, int] = (REDIS_HOST, REDIS_PORT)):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.open()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="forwarder-accept").start()

    def close(self) -> None:
        """Stop listening and cut every open connection: Redis is 'gone' for the client."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # closed meanwhile
                    client.close()
                    upstream.close()
                    return
                self._conns |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True, name="forwarder-pump").start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def forwarder(redis_client) -> Iterator[Forwarder]:
    proxy = Forwarder()
    yield proxy
    proxy.close()


# -- connector servers as real subprocesses ----------------------------------------------------------
def server_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIRA_", "CONNECTOR_", "CONNECTORS_", "CONFLUENCE_", "REDIS_", "OTEL_"))
    }
    env["CONNECTORS_SECRETS_DIR"] = str(REPO / ".bench" / "no-secrets")  # never read /run/secrets
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Server:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as handle:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "serve", "jira", "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def healthy(self) -> bool:
        if self.popen.poll() is not None:
            pytest.fail(f"jira server exited with {self.popen.returncode}:\n{self.output()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@contextlib.contextmanager
def jira_servers(count: int, env: dict[str, str], logs: Path) -> Iterator[list[Server]]:
    servers = [Server(env, logs / f"jira-{i}.log") for i in range(count)]
    try:
        for server in servers:
            wait_for(server.healthy, timeout=30, what=f"jira server on {server.url}")
        yield servers
    finally:
        for server in servers:
            server.stop()
