"""`connectors doctor jira` says exactly what is wrong."""

from __future__ import annotations

from shared.cli import main
from shared.testing import free_port


def doctor(monkeypatch, capsys, **env) -> tuple[int, str]:
    for name in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["doctor", "jira"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_healthy(monkeypatch, capsys, upstream):
    code, out = doctor(
        monkeypatch, capsys, JIRA_URL=upstream.url, JIRA_EMAIL="alice@example.com", JIRA_API_TOKEN="token-alice"
    )
    assert code == 0 and "signed in" in out and "3 projects visible" in out


def test_wrong_token(monkeypatch, capsys, upstream):
    code, out = doctor(
        monkeypatch, capsys, JIRA_URL=upstream.url, JIRA_EMAIL="alice@example.com", JIRA_API_TOKEN="wrong"
    )
    assert code == 1 and "jira credentials: FAILED" in out and "wrong" not in out
    assert "JIRA_EMAIL and JIRA_API_TOKEN" in out and upstream.url in out  # what to check, and where it looked


def test_unreachable(monkeypatch, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    code, out = doctor(
        monkeypatch, capsys, JIRA_URL=url, JIRA_EMAIL="a@b.c", JIRA_API_TOKEN="x", JIRA_HTTP_TIMEOUT_SECONDS="1"
    )
    assert code == 1 and "did not answer" in out


def test_missing_variable(monkeypatch, capsys):
    code, out = doctor(monkeypatch, capsys, JIRA_EMAIL="a@b.c", JIRA_API_TOKEN="x")
    assert code == 2 and "JIRA_URL is missing" in out
