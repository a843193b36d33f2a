"""Where rules run in a deployment: the Helm CronJob (off by default) and `connectors rules run --once`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm"
ON = {
    "database": {"url": "postgresql://connectors@postgres:5432/connectors"},
    "rules": {
        "cronJob": {"enabled": True, "schedule": "*/10 * * * *"},
        "settings": {"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "rules@example.com"},
        "existingSecret": "rules-secrets",
        "secretKeys": ["smtp_password"],
    },
}


def render(values: dict[str, Any] | None) -> list[dict[str, Any]]:
    chart = helm.Chart.load(CHART)
    chart.validate_schema(chart.merge_values(values))
    out = chart.render(values, name="rel", namespace="connectors", is_install=True)
    return [
        d for path, text in sorted(out.items()) if not path.endswith("NOTES.txt") for d in yaml.safe_load_all(text) if d
    ]


def test_the_rules_cronjob_is_off_by_default():
    assert [d for d in render(None) if d["kind"] == "CronJob"] == []


def test_the_rules_cronjob_runs_the_rules_once_with_the_connectors_configuration():
    [job] = [d for d in render(ON) if d["kind"] == "CronJob"]
    kubernetes_validate.validate(job, kubernetes_validate.latest_version(), strict=True)
    assert job["spec"]["schedule"] == "*/10 * * * *" and job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["command"] == ["connectors"] and container["args"] == ["rules", "run", "--once"]
    assert container["envFrom"] == [{"configMapRef": {"name": "rel-enterprise-connectors-jira"}}]
    env = {e["name"]: e for e in container["env"]}
    assert env["SMTP_HOST"]["value"] == "smtp.example.com"
    assert env["SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "rules-secrets", "key": "smtp_password"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True and pod["restartPolicy"] == "Never"


def test_the_rules_cronjob_needs_the_shared_database():
    values = {"rules": {"cronJob": {"enabled": True}}}
    with pytest.raises(Exception, match="database"):
        render(values)


def test_connectors_rules_run_once_without_a_configured_jira_says_what_is_missing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "AUTH_", "DATABASE_URL", "REDIS_"))}
    env |= {"AUTH_SQLITE_PATH": str(tmp_path / "c.db"), "CONNECTORS_SECRETS_DIR": str(tmp_path / "none")}
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "rules", "run", "--once"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "JIRA_URL" in done.stderr and "Traceback" not in done.stderr


def test_connectors_rules_run_once_runs_and_reports(upstream: Any, rules_env: dict[str, str]):
    env = os.environ | rules_env | {"JIRA_URL": upstream.url, "JIRA_EMAIL": "alice@example.com"}
    env |= {"JIRA_API_TOKEN": "token-alice", "CONNECTORS_SECRETS_DIR": str(REPO / "no-such-dir")}
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "rules", "run", "--once"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "rules: 0 rules run, 0 alerts sent" in done.stdout
