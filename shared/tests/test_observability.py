"""Logs: no credential ever reaches a line; every line is one JSON object with the request id."""

from __future__ import annotations

import contextvars
import json
import logging
import sys

import pytest

from shared import observability
from shared.observability import JsonFormatter, audit, new_request_id, redact, request_id


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Authorization: Basic abc", "abc"),
        ("Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi.payload.sig"),
        ("GET /rest?api_token=xyz HTTP/1.1", "xyz"),
        ("api-token: ATATT3xFf", "ATATT3xFf"),
        ("password=hunter2", "hunter2"),
        ("client_secret: s3cr3t", "s3cr3t"),
        ("headers={'Authorization': 'Basic dXNlcjpwYXNz'}", "dXNlcjpwYXNz"),
    ],
)
def test_redact_removes_the_credential(line, secret):
    redacted = redact(line)
    assert secret not in redacted
    assert "[redacted]" in redacted


def test_redact_keeps_ordinary_text():
    assert redact("Fetched 12 issues from PROJ in 0.3 s") == "Fetched 12 issues from PROJ in 0.3 s"


def test_redact_api_token_exact():
    assert redact("api_token=xyz") == "api_token=[redacted]"


def make_record(msg: str, *args, exc_info=None, fields=None) -> logging.LogRecord:
    record = logging.LogRecord("shared.test", logging.WARNING, __file__, 1, msg, args, exc_info)
    if fields is not None:
        record.fields = fields
    return record


def test_json_formatter_emits_one_json_object_with_the_request_id():
    def in_request():
        rid = new_request_id()
        return rid, JsonFormatter().format(make_record("called %s", "jira_search"))

    rid, line = contextvars.copy_context().run(in_request)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == rid and len(rid) == 16
    assert entry["msg"] == "called jira_search"
    assert entry["level"] == "warning"
    assert entry["logger"] == "shared.test"
    assert entry["ts"].endswith("+00:00")


def test_json_formatter_outside_a_request_uses_a_dash():
    entry = json.loads(contextvars.Context().run(JsonFormatter().format, make_record("idle")))
    assert entry["request_id"] == "-"


def test_json_formatter_redacts_message_and_traceback():
    try:
        raise RuntimeError("upstream said api_token=topsecret")
    except RuntimeError:
        exc_info = sys.exc_info()
    line = JsonFormatter().format(make_record("sent api_token=topsecret", exc_info=exc_info))
    assert "topsecret" not in line
    entry = json.loads(line)
    assert "RuntimeError" in entry["error"]


def test_json_formatter_merges_structured_fields():
    entry = json.loads(JsonFormatter().format(make_record("audit", fields={"tool": "jira_create_issue", "n": 3})))
    assert entry["tool"] == "jira_create_issue" and entry["n"] == 3


def test_new_request_id_sets_the_context_variable():
    def run():
        rid = new_request_id()
        return rid, request_id.get()

    first = contextvars.copy_context().run(run)
    second = contextvars.copy_context().run(run)
    assert first[0] == first[1]
    assert first[0] != second[0]


def test_audit_writes_one_structured_line(caplog):
    caplog.set_level(logging.INFO, logger="audit")
    audit(identity="alice@example.com", tool="jira_create_issue", target="PROJ-7", outcome="ok")
    (record,) = [r for r in caplog.records if r.name == "audit"]
    assert record.fields == {
        "audit": True,
        "identity": "alice@example.com",
        "tool": "jira_create_issue",
        "target": "PROJ-7",
        "outcome": "ok",
    }
    entry = json.loads(JsonFormatter().format(record))
    assert entry["identity"] == "alice@example.com" and entry["audit"] is True


def test_configure_logging_installs_the_json_formatter_and_quiets_auth_loggers(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # restored after the test
    monkeypatch.setattr(root, "level", root.level)
    for name in ("httpx", "httpcore", "urllib3", "uvicorn.access", "atlassian"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    observability.configure_logging("debug")
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, JsonFormatter)
    assert root.level == logging.DEBUG
    assert logging.getLogger("atlassian").level == logging.WARNING  # it logs auth headers at DEBUG
