"""Optional OpenTelemetry traces: a span per tool call, exported over OTLP/HTTP.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; then
the SDK and the OTLP HTTP exporter (the `[otel]` extra) are imported and configured with the
standard OTEL_* variables (headers, service name...). With the variable unset this module
imports nothing from OpenTelemetry.

Each tool call gets a span named `tools/call {tool}` with the tool name, the outcome (`ok`, the
error class, or `internal_error`) and the request id; failures set the span status to ERROR.
Arguments and results are never recorded (they may hold personal data).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from collections.abc import Mapping
from typing import Any

from .errors import ConnectorError
from .observability import request_id
from .tools import Tool

log = logging.getLogger(__name__)

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

_tracer: Any = None  # an opentelemetry Tracer once configured
_configured_from_env = False


def enabled() -> bool:
    return _tracer is not None


def configure(provider: Any | None) -> None:
    """Trace tool calls with this TracerProvider (None switches tracing off). Tests pass their own."""
    global _tracer
    _tracer = provider.get_tracer("enterprise-connectors") if provider is not None else None


def configure_from_env(service: str, environ: Mapping[str, str] | None = None) -> bool:
    """Set up OTLP/HTTP export when an endpoint is configured; once per process. True if tracing is on."""
    global _configured_from_env
    env = os.environ if environ is None else environ
    if _configured_from_env or not any(env.get(name, "").strip() for name in ENDPOINT_VARIABLES):
        return enabled()
    _configured_from_env = True
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed: "
            "pip install 'enterprise-connectors[otel]'. Continuing without traces."
        )
        return False
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or f"connector-{service}"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # endpoint, headers: OTEL_* variables
    trace.set_tracer_provider(provider)
    configure(provider)
    log.info("tracing tool calls to %s", next(env[n] for n in ENDPOINT_VARIABLES if env.get(n, "").strip()))
    return True


def _outcome(exc: BaseException) -> str:
    return type(exc).__name__ if isinstance(exc, ConnectorError) else "internal_error"


def traced(tool: Tool) -> Tool:
    """The same tool, its function wrapped in a span (registration sees the original signature)."""
    fn = tool.fn

    @functools.wraps(fn)
    async def call(runtime: Any, **kwargs: Any) -> Any:
        tracer = _tracer
        if tracer is None:
            return await fn(runtime, **kwargs)
        from opentelemetry.trace import Status, StatusCode

        attributes = {"mcp.method.name": "tools/call", "gen_ai.tool.name": tool.name, "connector.toolset": tool.toolset}
        with tracer.start_as_current_span(
            f"tools/call {tool.name}", attributes=attributes, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("connector.request_id", request_id.get())
            try:
                value = await fn(runtime, **kwargs)
            except Exception as exc:
                outcome = _outcome(exc)
                span.set_attribute("connector.outcome", outcome)
                span.set_status(Status(StatusCode.ERROR, outcome))
                raise
            span.set_attribute("connector.outcome", "ok")
            return value

    return dataclasses.replace(tool, fn=call)
