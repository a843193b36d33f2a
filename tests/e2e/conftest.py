"""End-to-end fixtures: the `connectors` CLI run as real subprocesses on loopback ports.

Every server is started with `python -m shared.cli` (the `connectors` entry point), waited for
by polling its `/healthz` (bounded, no fixed sleeps) and stopped with terminate + wait.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

JIRA_LOGIN = {"JIRA_EMAIL": "alice@example.com", "JIRA_API_TOKEN": "token-alice"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (SO_REUSEADDR, as uvicorn binds: TIME_WAIT leftovers don't count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without connector settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIRA_", "CONNECTOR_", "CONNECTORS_", "CONFLUENCE_", "STORAGE_", "AUTH_", "VAULT_KEYS"))
    }
    env["CONNECTORS_SECRETS_DIR"] = str(REPO / ".bench" / "no-secrets")  # never read /run/secrets
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Proc:
    """A CLI subprocess whose output goes to a log file (no pipe to fill up)."""

    args: list[str]
    log: Path
    popen: subprocess.Popen
    url: str = ""
    extra: dict = field(default_factory=dict)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def stop(self) -> int | None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=STOP_TIMEOUT)
        return self.popen.returncode


def start_cli(args: list[str], log: Path, env: dict[str, str]) -> Proc:
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    try:
        popen = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    finally:
        handle.close()  # the child holds its own descriptor
    return Proc(args, log, popen)


def run_cli(args: list[str], env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_healthy(proc: Proc, url: str, timeout: float = STARTUP_TIMEOUT) -> None:
    """Poll `url` until it answers 200; fail early if the process dies, and at `timeout`."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            pytest.fail(
                f"{' '.join(proc.args)} exited with {proc.popen.returncode} before {url} answered:\n{proc.tail()}"
            )
        try:
            status, _ = http_get(url, timeout=2.0)
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(delay)  # polling interval, not a synchronisation guess
        delay = min(delay * 2, 0.25)
    pytest.fail(f"{url} not healthy after {timeout:.0f}s ({last}); {' '.join(proc.args)} output:\n{proc.tail()}")


def wait_for_exit(proc: Proc, timeout: float) -> int:
    try:
        return proc.popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(proc.args)} still running {timeout:.0f}s after SIGTERM:\n{proc.tail()}")


def start_sandbox(log: Path, latency_ms: int = 0) -> Proc:
    port = free_port()
    proc = start_cli(["sandbox", "atlassian", "--port", str(port), "--latency-ms", str(latency_ms)], log, clean_env())
    proc.url = f"http://127.0.0.1:{port}"
    # The sandbox has no /healthz; its control API answers once it listens.
    wait_until_healthy(proc, f"{proc.url}/__sandbox/config")
    return proc


def start_jira(sandbox_url: str, log: Path, *extra_args: str, env: dict[str, str] | None = None) -> Proc:
    port = free_port()
    proc = start_cli(
        ["serve", "jira", "--port", str(port), *extra_args],
        log,
        env or clean_env(JIRA_URL=sandbox_url, **JIRA_LOGIN),
    )
    proc.url = f"http://127.0.0.1:{port}"
    wait_until_healthy(proc, f"{proc.url}/healthz")
    return proc


@pytest.fixture(scope="session")
def e2e_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e2e-logs")


@pytest.fixture(scope="session")
def sandbox(e2e_logs) -> Iterator[Proc]:
    proc = start_sandbox(e2e_logs / "sandbox.log")
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def jira_server(sandbox, e2e_logs) -> Iterator[Proc]:
    proc = start_jira(sandbox.url, e2e_logs / "jira.log")
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def mcp_url(jira_server) -> str:
    return f"{jira_server.url}/mcp"
