"""Our processes under benchmark: the Atlassian sandbox and the Jira and Confluence servers, on free loopback ports."""

from __future__ import annotations

import os
import re
import sys
import urllib.request
from pathlib import Path

from shared.testing import free_port

from .procs import REPO, Proc, start_process

CLI = [sys.executable, "-m", "shared.cli"]
EMAIL, TOKEN = "alice@example.com", "token-alice"
UNTHROTTLED = "100000"  # outbound requests per second: high enough never to wait


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any connector setting, plus `extra`."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "CONFLUENCE_", "CONNECTOR_", "CONNECTORS_"))
    }
    env.update(CONNECTORS_SECRETS_DIR=str(REPO / ".bench" / "no-secrets"), LOG_LEVEL="WARNING", **extra)
    return env


def start_sandbox(logdir: Path) -> Proc:
    port = free_port()
    cmd = [*CLI, "sandbox", "atlassian", "--port", str(port)]
    return start_process("sandbox", cmd, clean_env(), f"http://127.0.0.1:{port}", "/__sandbox/config", logdir, 30)


def start_server(
    product: str,
    sandbox_url: str,
    logdir: Path,
    *,
    name: str = "",
    cli: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Proc:
    """`connectors serve <product>` logged in as the demo user; CONFLUENCE_URL is the site root, as for a real site.
    `cli` replaces `python -m shared.cli` (e.g. `python -m bench.uvloop_launcher`)."""
    port = free_port()
    prefix = product.upper()
    login = {f"{prefix}_URL": sandbox_url, f"{prefix}_EMAIL": EMAIL, f"{prefix}_API_TOKEN": TOKEN}
    cmd = [*(cli or CLI), "serve", product, "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    return start_process(name or product, cmd, clean_env(**login, **(env or {})), base, "/healthz", logdir, 30)


def unthrottled_env(product: str) -> dict[str, str]:
    return {f"{product.upper()}_RATE_LIMIT_PER_SECOND": UNTHROTTLED}


def metric_total(base_url: str, name: str) -> float:
    """The sum of one Prometheus metric over all its label sets, from the server's /metrics."""
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    pattern = rf"^{name}(?:\{{[^}}]*\}})? ([0-9.e+-]+)$"
    return sum(float(m.group(1)) for m in re.finditer(pattern, text, re.M))
