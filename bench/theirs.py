"""mcp-atlassian 0.23.1 for the side-by-side benchmark: its own virtual environment, its process, its failures.

It decides "Cloud" from the host name only (127.0.0.1 is always Server/DC), so it gets
`http://bench-site.atlassian.net:<port>` URLs and `bench/cloud_alias_launcher.py` resolves that name to
127.0.0.1 inside its process; it therefore runs its Cloud code paths, which the sandbox answers as Cloud
does. Its Confluence side uses an OAuth access token (with an API token 0.23.1 reads pages through the
removed v1 content API: 410 Gone); the launcher sends its `https://api.atlassian.com` gateway calls to the
sandbox's gateway paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mcp.types import CallToolResult

from sandbox.atlassian.jira.catalog import CLOUD_ID
from sandbox.atlassian.users import DEMO_OAUTH_TOKEN, DEMO_TOKEN, DEMO_USER
from shared.testing import free_port

from .load import text_of
from .procs import REPO, Proc, start_process

BENCH_DIR = REPO / ".bench"
VENV = BENCH_DIR / "mcp-atlassian-venv"
THEIRS_VERSION = "0.23.1"
CLOUD_ALIAS = "bench-site.atlassian.net"


def _clean_env(**extra: str) -> dict[str, str]:
    drop = (
        "JIRA_",
        "CONFLUENCE_",
        "CONNECTOR_",
        "CONNECTORS_",
        "ATLASSIAN_",
        "TOOLSETS",
        "READ_ONLY",
        "ENABLED_TOOLS",
        "MCP_",
        "FASTMCP_",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and not k.lower().endswith("_proxy")}
    env.update(extra)
    return env


def ensure_mcp_atlassian() -> Path:
    """The isolated venv with mcp-atlassian==THEIRS_VERSION: created once, reused while it matches."""
    python = VENV / "bin" / "python"
    probe = "import importlib.metadata as m; print(m.version('mcp-atlassian'))"
    if python.exists():
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and done.stdout.strip() == THEIRS_VERSION:
            return python
    print(f"installing mcp-atlassian=={THEIRS_VERSION} into {VENV.relative_to(REPO)} …", file=sys.stderr)
    BENCH_DIR.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True, timeout=300)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"mcp-atlassian=={THEIRS_VERSION}"],
        check=True,
        timeout=900,
    )
    return python


def theirs_versions(python: Path) -> str:
    """`mcp-atlassian=0.23.1, fastmcp 3.4.10, mcp 1.30.0, …` as installed in its venv."""
    names = ("mcp-atlassian", "fastmcp", "mcp", "atlassian-python-api", "requests")
    probe = f"import importlib.metadata as m; print('|'.join(m.version(p) for p in {names!r}))"
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip()
    versions = found.split("|") if found else ["?"] * len(names)
    head = f"{names[0]}={versions[0]}"
    return ", ".join([head] + [f"{n} {v}" for n, v in zip(names[1:], versions[1:], strict=False)])


def start_theirs(python: Path, sandbox_url: str, logdir: Path, *, name: str = "mcp-atlassian", **extra: str) -> Proc:
    port, sandbox_port = free_port(), sandbox_url.rsplit(":", 1)[1]
    site = f"http://{CLOUD_ALIAS}:{sandbox_port}"
    home = logdir / f"{name}-home"
    home.mkdir(exist_ok=True)
    env = _clean_env(
        HOME=str(home),
        BENCH_CLOUD_ALIAS=CLOUD_ALIAS,
        JIRA_URL=site,
        JIRA_USERNAME=DEMO_USER,
        JIRA_API_TOKEN=DEMO_TOKEN,
        # Confluence through OAuth (3LO), the only mode in which 0.23.1 reads pages with v2: with an API
        # token it uses the removed v1 content API, which Cloud (and the sandbox) answer 410 Gone.
        CONFLUENCE_URL=f"{site}/wiki",
        CONFLUENCE_OAUTH_ACCESS_TOKEN=DEMO_OAUTH_TOKEN,
        ATLASSIAN_OAUTH_CLOUD_ID=CLOUD_ID,
        BENCH_GATEWAY_URL=site,  # the alias: mcp-atlassian trusts its configured hosts (its SSRF guard)
        # Without this, its HTTP transport answers 401 to requests that carry no per-user token.
        ALLOW_GLOBAL_CRED_FALLBACK="true",
        FASTMCP_CHECK_FOR_UPDATES="off",
        FASTMCP_SHOW_CLI_BANNER="false",
        **extra,
    )
    cmd = [
        str(python),
        str(REPO / "bench" / "cloud_alias_launcher.py"),
        "--transport",
        "streamable-http",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--path",
        "/mcp",
    ]
    proc = start_process(name, cmd, env, f"http://127.0.0.1:{port}", "/mcp", logdir)
    text = proc.log.read_text(errors="replace")
    for product in ("JIRA", "CONFLUENCE"):
        if f"bench: {product} is_cloud=True" not in text:
            raise SystemExit(f"{name} did not configure {product} as Cloud:\n{text[-3000:]}")
    return proc


def failed(result: CallToolResult) -> bool:
    """An MCP error, or mcp-atlassian's way of failing: a normal result whose JSON is `{"error": …}`."""
    if result.is_error:
        return True
    text = text_of(result).lstrip()
    if not text.startswith("{"):
        return False
    try:
        body = json.loads(text)
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body and len(body) <= 2
