"""Operating it: request ids on every log line of a tool call (worker threads included), the audit
line, /metrics, and optional OpenTelemetry traces (in-memory exporter, never a collector)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from contextlib import contextmanager

import pytest
import requests
from mcp import Client
from pydantic import SecretStr

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from connectors.jira.settings import JiraSettings
from sandbox.atlassian.app import create_app
from sandbox.common.control import SandboxControl
from shared import state as shared_state
from shared import tracing
from shared.observability import JsonFormatter
from shared.server import build_app, build_server
from shared.testing import serve_in_thread

from .conftest import REPO, free_port, server_env

HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
SECRET_TOKEN = "token-alice"


@pytest.fixture
def sandbox():
    app = create_app()
    port = free_port()
    with serve_in_thread(app, port=port, lifespan="off") as url:
        yield url, SandboxControl(url), f"asgi-{port}"


def settings_for(url: str) -> JiraSettings:
    return JiraSettings(  # type: ignore[call-arg]  # pydantic-settings init kwarg
        _secrets_dir=None,
        url=url,
        email="alice@example.com",
        api_token=SecretStr(SECRET_TOKEN),
        rate_limit_per_second=1000,
        http_timeout_seconds=3,
    )


class Lines(logging.Handler):
    """Every record, with the JSON line our formatter makes of it and the thread it came from."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.seen: list[tuple[str | None, dict]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.threadName, json.loads(self.format(record))))


@contextmanager
def captured_lines():
    root = logging.getLogger()
    handler = Lines()
    # everything, even from loggers an earlier configure_logging() quietened (urllib3, atlassian)
    loggers = [root, *(logging.getLogger(n) for n in ("urllib3", "atlassian", "shared", "mcp", "uvicorn"))]
    levels = [logger.level for logger in loggers]
    root.addHandler(handler)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=False):
            logger.setLevel(level)


def call_over_http(base: str, tool: str, arguments: dict, request_id: str | None = None) -> requests.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    headers = HEADERS | ({"X-Request-Id": request_id} if request_id else {})
    response = requests.post(f"{base}/mcp", json=body, headers=headers, timeout=30)
    response.raise_for_status()
    assert not response.json()["result"].get("isError"), response.text
    return response


def test_every_line_of_a_tool_call_carries_its_request_id(sandbox):
    url, control, sandbox_thread = sandbox
    settings = settings_for(url)
    runtime = JiraRuntime(settings, state=shared_state.LocalState())
    with serve_in_thread(build_app(connector, settings, runtime)) as base:
        earlier: set[str] = set()  # a previous call's teardown lines may land late; they keep its id
        for given in ("proxy-req-0001", None):  # an inbound X-Request-Id is kept; otherwise one is made
            control.fault(kind="status", status=503, method="GET", path="/rest/api/3/issue/SHOP-1$", times=1)
            with captured_lines() as lines:
                response = call_over_http(base, "fetch", {"id": "SHOP-1"}, request_id=given)
            rid = response.headers["X-Request-Id"]
            assert rid == given if given else len(rid) == 16
            # lines of the connector server: its event loop and the worker threads its client calls run on
            server_lines = [(t, e) for t, e in lines.seen if t not in ("MainThread", sandbox_thread)]
            assert server_lines, "the call logged nothing?"
            assert {e["request_id"] for _, e in server_lines} - earlier == {rid}, [
                (t, e["logger"], e["request_id"], e["msg"][:60]) for t, e in server_lines if e["request_id"] != rid
            ]
            earlier.add(rid)
            workers = [e for t, e in server_lines if t.startswith("AnyIO worker thread")]
            assert any("retrying Jira request after 503" in e["msg"] for e in workers), (
                "the retry line comes from a worker"
            )
            assert any(e["logger"].startswith("urllib3") for e in workers), "client libraries' lines carry the id too"


@pytest.mark.anyio
async def test_audit_line_names_who_what_and_outcome_without_secrets_or_bodies(sandbox):
    url, control, _ = sandbox
    settings = settings_for(url)
    runtime = JiraRuntime(settings, state=shared_state.LocalState())
    body_text = "The launch date is confidential: 2026-12-01"
    control.fault(kind="rate_limit", retry_after=0, method="POST", path="/comment$", times=1)
    async with Client(build_server(connector, settings, runtime)) as client:
        with captured_lines() as lines:
            result = await client.call_tool("jira_add_comment", {"key": "SHOP-1", "body": body_text})
    assert not result.is_error, result.content
    entries = [e for _, e in lines.seen]
    (audit,) = [e for e in entries if e.get("audit")]
    assert audit["identity"] == runtime.identity() and audit["tool"] == "jira_add_comment"
    assert audit["target"] == "SHOP-1" and audit["outcome"] == "ok"
    retry = [(t, e) for t, e in lines.seen if "retrying Jira request after 429" in e["msg"]]
    assert retry and retry[0][0].startswith("AnyIO worker thread")
    assert retry[0][1]["request_id"] == audit["request_id"] != "-", "worker-thread lines share the call's id"
    assert set(audit) == {
        "ts",
        "level",
        "logger",
        "request_id",
        "msg",
        "audit",
        "identity",
        "tool",
        "target",
        "outcome",
    }
    assert SECRET_TOKEN not in json.dumps(audit) and "confidential" not in json.dumps(audit)
    informative = "\n".join(json.dumps(e) for e in entries if e["level"] != "debug")  # production logs at INFO
    assert SECRET_TOKEN not in informative and "confidential" not in informative


def test_metrics_cover_calls_latency_upstream_retries_waits_cache_circuit_and_state(sandbox, prefix):
    url, control, _ = sandbox
    settings = settings_for(url).model_copy(update={"rate_limit_per_second": 2.0})
    from shared.redis_state import RedisState

    from .conftest import REDIS_URL

    state = RedisState(REDIS_URL, prefix=prefix)
    runtime = JiraRuntime(settings, state=state)
    try:
        with serve_in_thread(build_app(connector, settings, runtime)) as base:
            control.fault(kind="status", status=503, method="GET", path="/rest/api/3/issue/SHOP-2$", times=1)
            for key in ("SHOP-1", "SHOP-1", "SHOP-2"):  # 2/s: the later calls wait for tokens
                call_over_http(base, "fetch", {"id": key})
            text = requests.get(f"{base}/metrics", timeout=5).text
    finally:
        state.close()
    samples = {
        'connector_tool_calls_total{outcome="ok",tool="fetch"}',
        'connector_tool_latency_seconds_bucket{le="0.01",tool="fetch"}',
        'connector_upstream_requests_total{status="200",upstream="Jira"}',
        'connector_upstream_requests_total{status="503",upstream="Jira"}',
        'connector_upstream_retries_total{reason="503",upstream="Jira"}',
        'connector_rate_limit_waits_total{upstream="Jira"}',
        'connector_cache_requests_total{namespace="fields",result="hit"}',
        'connector_cache_requests_total{namespace="fields",result="miss"}',
        "connector_state_backend_up",
    }
    missing = [s for s in samples if s not in text]
    assert not missing, missing
    assert "# TYPE connector_circuit_state gauge" in text  # a sample appears once a breaker changes state


# -- OpenTelemetry ------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_a_span_per_tool_call_with_name_and_outcome(sandbox):
    import opentelemetry.sdk.trace as sdk
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import StatusCode

    url, _, _ = sandbox
    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.configure(provider)
    try:
        settings = settings_for(url)
        runtime = JiraRuntime(settings, state=shared_state.LocalState())
        async with Client(build_server(connector, settings, runtime)) as client:
            ok = await client.call_tool("fetch", {"id": "SHOP-1"})
            missing = await client.call_tool("fetch", {"id": "SHOP-99999"})
            tools = {t.name: t for t in (await client.list_tools()).tools}
    finally:
        tracing.configure(None)
    assert not ok.is_error and missing.is_error
    assert "id" in tools["fetch"].input_schema["properties"], "tracing keeps the tool's schema"
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["tools/call fetch", "tools/call fetch"]
    first, second = spans
    assert first.attributes["gen_ai.tool.name"] == "fetch" and first.attributes["connector.outcome"] == "ok"
    assert len(first.attributes["connector.request_id"]) == 16
    assert second.attributes["connector.outcome"] == "NotFound" and second.status.status_code is StatusCode.ERROR
    assert not any("SHOP-1" in str(v) for s in spans for v in s.attributes.values()), "no arguments in spans"


PROBE = """
import sys
from connectors.jira.connector import connector
from connectors.jira.settings import JiraSettings
from connectors.jira.runtime import JiraRuntime
from shared.server import build_server
settings = JiraSettings(_secrets_dir=None, url="http://127.0.0.1:9", email="a@example.com", api_token="t")
build_server(connector, settings, JiraRuntime(settings))
loaded = sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.exporter")))
from shared import tracing
print("ENABLED" if tracing.enabled() else "DISABLED", len(loaded))
if tracing.enabled():
    from opentelemetry import trace
    provider = trace.get_tracer_provider()
    processors = provider._active_span_processor._span_processors
    print(type(provider).__module__, [type(p.span_exporter).__name__ for p in processors])
    provider.shutdown()
"""


def probe(**env: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=server_env(**env), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split("\n")


def test_without_an_otlp_endpoint_nothing_is_imported():
    assert probe()[0] == "DISABLED 0"


def test_with_an_otlp_endpoint_spans_go_to_the_otlp_http_exporter():
    import opentelemetry.exporter.otlp.proto.http  # noqa: F401 - installed with the test extra

    lines = probe(OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    assert lines[0].startswith("ENABLED")
    assert lines[1] == "opentelemetry.sdk.trace ['OTLPSpanExporter']"
