"""Graceful shutdown: on SIGTERM readiness fails first, the call in flight finishes, then exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import anyio
import requests
from mcp import Client

from sandbox.atlassian.app import create_app
from sandbox.common.control import SandboxControl
from shared.testing import free_port, serve_in_thread


def wait_until(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)
    return value


def healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_sigterm_drains_then_exits_after_in_flight_calls():
    with serve_in_thread(create_app(), lifespan="off") as upstream:
        control = SandboxControl(upstream)
        port = free_port()
        env = dict(os.environ, JIRA_URL=upstream, JIRA_EMAIL="alice@example.com", JIRA_API_TOKEN="token-alice")
        server = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve", "jira", "--port", str(port), "--drain-seconds", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda: healthy(f"{base}/healthz"))
            control.configure(latency_ms=2500)
            outcome = {}

            def slow_call():
                async def go():
                    async with Client(f"{base}/mcp") as client:
                        await client.list_tools()  # the client checks results against the listed schemas
                        outcome["result"] = await client.call_tool("jira_get_issue", {"key": "SHOP-1"})

                anyio.run(go)

            caller = threading.Thread(target=slow_call)
            caller.start()
            wait_until(lambda: any("/issue/SHOP-1" in r["path"] for r in control.requests()))
            server.send_signal(signal.SIGTERM)
            wait_until(lambda: requests.get(f"{base}/readyz", timeout=2).status_code == 503)
            caller.join(timeout=30)
            assert not outcome["result"].is_error and "SHOP-1" in outcome["result"].content[0].text
            assert server.wait(timeout=30) == 0
        finally:
            if server.poll() is None:
                server.kill()
