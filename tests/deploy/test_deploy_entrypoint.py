"""The image's ENTRYPOINT + CMD, run as a plain process against the sandbox (no Docker engine).

Equivalent of `docker run IMAGE` with the host swapped for loopback and a free port: the server
must answer /healthz and /readyz, serve an MCP tools/list over Streamable HTTP, satisfy the
image's HEALTHCHECK script, and stop promptly on SIGTERM (as PID 1 in a pod would be asked to).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest
from deploy_support import DEPLOY, dockerfile_stages, effective, final_stage

DEMO_EMAIL, DEMO_TOKEN = "alice@example.com", "token-alice"
STARTUP_SECONDS = 30
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connectors_executable() -> list[str]:
    """The `connectors` console script of this environment (what ENTRYPOINT runs in the image)."""
    script = Path(sys.executable).with_name("connectors")
    if script.exists():
        return [str(script)]
    found = shutil.which("connectors")
    if found:
        return [found]
    # not pip-installed yet: the console script's body
    return [sys.executable, "-c", "import sys; from shared.cli import main; sys.exit(main())"]


def image_command(port: int) -> list[str]:
    """ENTRYPOINT + CMD of the default target, with --host 127.0.0.1 and --port <port>."""
    stages = dockerfile_stages()
    target = final_stage(stages).name
    argv = (effective(stages, target, "ENTRYPOINT") or []) + (effective(stages, target, "CMD") or [])
    assert argv[0] == "connectors", argv
    args = argv[1:]
    if "--host" in args:
        args[args.index("--host") + 1] = "127.0.0.1"
    assert "--port" not in args
    return args + ["--port", str(port)]


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JIRA_", "CONFLUENCE_", "STORAGE_", "MAIL_", "CONNECTORS_"))
        and k not in ("REDIS_URL", "DATABASE_URL", "OTEL_EXPORTER_OTLP_ENDPOINT")
    }
    secrets = tmp / "secrets"
    secrets.mkdir(exist_ok=True)
    # what the image sets for a read-only root filesystem
    env.update(
        HOME=str(tmp),
        TMPDIR=str(tmp),
        XDG_CACHE_HOME=str(tmp / ".cache"),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        CONNECTORS_SECRETS_DIR=str(secrets),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path):
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=env["TMPDIR"], stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def wait_http(url: str, proc: subprocess.Popen, log: Path, *, accept=lambda status: status == 200) -> int:
    """Poll url until `accept(status)`; fail fast if the process dies. Bounded, no fixed sleeps."""
    deadline = time.monotonic() + STARTUP_SECONDS
    delay, last = 0.05, "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args!r} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError) as error:
            status, last = None, repr(error)
        if status is not None:
            if accept(status):
                return status
            last = f"HTTP {status}"
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    pytest.fail(f"{url} not ready after {STARTUP_SECONDS}s ({last}):\n{log.read_text(errors='replace')[-3000:]}")


async def list_tools(url: str):
    from mcp import Client

    async with Client(url) as client:
        return await client.list_tools()


def test_image_command_serves_healthz_and_mcp_tools(tmp_path):
    exe = connectors_executable()
    sandbox_port, server_port = free_port(), free_port()
    server_args = image_command(server_port)
    assert server_args[:2] == ["serve", "jira"]

    sandbox_env = clean_env(tmp_path)
    with process(
        exe + ["sandbox", "atlassian", "--port", str(sandbox_port)], sandbox_env, tmp_path / "sandbox.log"
    ) as sandbox:
        wait_http(
            f"http://127.0.0.1:{sandbox_port}/", sandbox, tmp_path / "sandbox.log", accept=lambda status: status < 500
        )
        env = clean_env(
            tmp_path, JIRA_URL=f"http://127.0.0.1:{sandbox_port}", JIRA_EMAIL=DEMO_EMAIL, JIRA_API_TOKEN=DEMO_TOKEN
        )
        log = tmp_path / "server.log"
        with process(exe + server_args, env, log) as server:
            base = f"http://127.0.0.1:{server_port}"
            wait_http(f"{base}/healthz", server, log)
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                assert response.read().replace(b" ", b"") == b'{"status":"ok"}'
            wait_http(f"{base}/readyz", server, log)

            # the image's HEALTHCHECK, pointed at this process's command line
            import importlib.util

            spec = importlib.util.spec_from_file_location("deploy_healthcheck", DEPLOY / "healthcheck.py")
            healthcheck = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(healthcheck)
            url, strict = healthcheck.target_from_argv(server_args)
            assert (url, strict) == (f"{base}/healthz", True)
            check = subprocess.run(
                [sys.executable, str(DEPLOY / "healthcheck.py")],
                capture_output=True,
                text=True,
                timeout=30,
                env={**env, "CONNECTORS_HEALTHCHECK_URL": url},
            )
            assert check.returncode == 0, check.stderr

            result = anyio.run(list_tools, f"{base}/mcp")
            names = [tool.name for tool in result.tools]
            assert names and any(name.startswith("jira_") for name in names), names

            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
                assert response.status == 200

            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pytest.fail("the server did not stop within 15 s of SIGTERM")


def test_image_command_refuses_a_public_bind_without_opt_in(tmp_path):
    """The CMD listens on 0.0.0.0: without inbound auth the server must refuse, naming the fix."""
    stages = dockerfile_stages()
    cmd = effective(stages, final_stage(stages).name, "CMD")
    env = clean_env(tmp_path, JIRA_URL="http://127.0.0.1:9", JIRA_EMAIL=DEMO_EMAIL, JIRA_API_TOKEN=DEMO_TOKEN)
    result = subprocess.run(
        connectors_executable() + cmd + ["--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "JIRA_ALLOW_UNAUTHENTICATED" in result.stderr or "--allow-unauthenticated" in result.stderr, result.stderr


def test_missing_configuration_names_the_variable(tmp_path):
    env = clean_env(tmp_path)
    result = subprocess.run(
        connectors_executable() + ["serve", "jira", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "JIRA_URL" in result.stderr, result.stderr
