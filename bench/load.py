"""One load run: N connected clients issue calls until a count or a duration is reached, measuring the server.

Used for every latency and throughput figure of both benchmarks (concurrency 1 is a latency run). Around the
timed window it reads the server's and the sandbox's CPU time (utime + stime of the whole process, all threads,
from /proc) and the sandbox's request log, so each run reports server CPU milliseconds per call and upstream
requests per call next to calls/s and latency.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp import Client
from mcp.types import CallToolResult

from sandbox.common.control import SandboxControl

from .procs import Proc, percentile


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any]


MakeCall = Callable[[int], Call]


def is_error(result: CallToolResult) -> bool:
    return bool(result.is_error)


def text_of(result: CallToolResult) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


@dataclass
class LoadResult:
    concurrency: int
    calls: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    server_cpu_ms_per_call: float
    cores_busy: dict[str, float]
    upstream_per_call: float = float("nan")
    upstream_429: int = 0
    first_error: str = ""
    rate_limit_waits: float = 0.0  # our servers' outbound waits during the run (their /metrics), when counted
    log: list[dict[str, Any]] = field(default_factory=list)  # the sandbox's request log of the run

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


def upstream_log(control: SandboxControl) -> list[dict[str, Any]]:
    """The sandbox's request log without its own control requests."""
    return [e for e in control.requests() if not str(e.get("path", "")).startswith("/__sandbox")]


async def run_load(
    url: str,
    make: MakeCall,
    *,
    concurrency: int,
    max_calls: int,
    duration: float,
    server: Proc,
    sandbox: Proc | None = None,
    control: SandboxControl | None = None,
    warmup: int = 0,
    failed: Callable[[CallToolResult], bool] = is_error,
) -> LoadResult:
    """`concurrency` clients, all connected (and `warmup` calls made) before the clock starts; then calls
    `make(0)`, `make(1)`, … in issue order until `max_calls` are issued or `duration` seconds pass."""
    latencies: list[float] = []
    errors, issued, ready = 0, 0, 0
    first_error = ""
    all_ready, go = anyio.Event(), anyio.Event()
    deadline = 0.0

    async def worker(index: int) -> None:
        nonlocal issued, errors, ready, first_error
        async with Client(url) as client:
            if index == 0:
                for n in range(warmup):  # connections, caches, code paths; indices no timed call uses
                    call = make(10**6 + n)
                    await client.call_tool(call.tool, call.args)
            ready += 1
            if ready == concurrency:
                all_ready.set()
            await go.wait()
            while issued < max_calls and time.perf_counter() < deadline:
                call = make(issued)
                issued += 1
                started = time.perf_counter()
                try:
                    result = await client.call_tool(call.tool, call.args)
                    if failed(result):
                        errors += 1
                        first_error = first_error or text_of(result)[:200]
                except Exception as exc:  # noqa: BLE001 - counted; the run goes on
                    errors += 1
                    first_error = first_error or repr(exc)[:200]
                latencies.append(time.perf_counter() - started)

    async with anyio.create_task_group() as group:
        for index in range(concurrency):
            group.start_soon(worker, index)
        with anyio.fail_after(120):
            await all_ready.wait()
        if control is not None:
            control.clear_requests()
        cpu0 = (server.cpu_seconds(), sandbox.cpu_seconds() if sandbox else 0.0, time.process_time())
        started = time.perf_counter()
        deadline = started + duration
        go.set()
    elapsed = time.perf_counter() - started
    cpu1 = (server.cpu_seconds(), sandbox.cpu_seconds() if sandbox else 0.0, time.process_time())
    done = len(latencies)
    result = LoadResult(
        concurrency=concurrency,
        calls=done,
        errors=errors,
        seconds=elapsed,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
        server_cpu_ms_per_call=(cpu1[0] - cpu0[0]) / max(done, 1) * 1000,
        cores_busy={
            "server": (cpu1[0] - cpu0[0]) / elapsed,
            "sandbox": (cpu1[1] - cpu0[1]) / elapsed,
            "load_generator": (cpu1[2] - cpu0[2]) / elapsed,
        },
        first_error=first_error,
    )
    if control is not None:
        log = result.log = upstream_log(control)
        result.upstream_per_call = len(log) / max(done, 1)
        result.upstream_429 = sum(1 for e in log if e.get("status") == 429)
    return result
