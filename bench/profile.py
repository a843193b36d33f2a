"""Where a Jira server's CPU goes per call: a py-spy profile of `connectors serve jira` under a distinct-key load.

    .venv/bin/pip install py-spy          # a tool for this, never a project dependency
    python -m bench.profile jira_get_issue --seconds 20
    python -m bench.profile jira_search_issues --uvloop

Starts the sandbox (latency 0, rate limits off) and one Jira server (outbound limit off; `--uvloop` runs it on
uvloop through `bench/uvloop_launcher.py`), drives the tool with distinct keys or JQL from 4 clients, samples the
server with `py-spy record --format raw` for the run, and prints server CPU ms per call, then the functions with
the most samples on the stack (inclusive) and at the top of it (self). Without py-spy it prints the CPU only.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio

from sandbox.common.control import SandboxControl

from .load import Call, run_load
from .procs import Proc
from .servers import start_sandbox, start_server, unthrottled_env
from .workloads import get_issue_args, search_issues_args

WORKLOADS = {"jira_get_issue": get_issue_args, "jira_search_issues": search_issues_args}
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _short(frame: str) -> str:
    """`func (path/to/module.py:12)` -> `func (to/module.py)`: one entry per function, not per line."""
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    parts = Path(m["file"]).parts
    return f"{m['func']} ({'/'.join(parts[-2:])})"


# Where a sample goes: the first rule whose pattern is in any frame of its stack ("stack") or in its top frame
# ("leaf"); the rest is "other".
LAYERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("ADF to markdown (connectors/jira/adf, markdown-it)", "stack", ("jira/adf/", "markdown_it/")),
    ("result shaping (connectors/jira/views.py)", "stack", ("jira/views.py",)),
    ("worker-thread handoff (anyio.to_thread, queue, threading)", "stack", ("to_thread.py", "queue.py")),
    (
        "upstream HTTP client (atlassian-python-api, requests, urllib3; incl. JSON decode)",
        "stack",
        ("WorkerThread.run",),
    ),
    ("pydantic (SDK request/result validation, our models)", "leaf", ("pydantic",)),
    ("OpenTelemetry (the SDK's middleware)", "leaf", ("opentelemetry",)),
    ("MCP SDK (mcp/, mcp_types/)", "leaf", ("mcp/", "mcp_types/")),
    ("ASGI and HTTP server (uvicorn, starlette, httptools)", "leaf", ("uvicorn/", "starlette/", "httptools")),
    ("event loop (asyncio, anyio, selectors)", "leaf", ("asyncio/", "anyio/", "selectors.py", "sniffio")),
    ("our shared/ and connectors/ code (boundary, coalesce, metrics, tools...)", "leaf", ("shared/", "connectors/")),
    ("JSON encode/decode on the event loop", "leaf", ("json/",)),
]


def layers(raw: str) -> list[tuple[str, float]]:
    """Share of samples per layer (LAYERS), largest first."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        name = "other (stdlib: contextlib, logging, uuid, re, …)"
        for layer, where, patterns in LAYERS:
            scope = frames if where == "stack" else frames[-1:]
            if any(p in f for f in scope for p in patterns):
                name = layer
                break
        counts[name] += int(count)
    return [(name, n / max(total, 1)) for name, n in counts.most_common()]


def summarize(raw: str, top: int) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(samples, inclusive counts, self counts) from py-spy's collapsed stacks `f1;f2;… count`."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        total += n
        for name in set(frames):
            inclusive[name] += n
        if frames:
            own[frames[-1]] += n
    return total, inclusive.most_common(top), own.most_common(top)


async def drive(server: Proc, sandbox: Proc, tool: str, seconds: float, concurrency: int) -> None:
    make = WORKLOADS[tool]
    result = await run_load(
        f"{server.url}/mcp",
        lambda i: Call(tool, make(i)),
        concurrency=concurrency,
        max_calls=10**6,
        duration=seconds,
        server=server,
        sandbox=sandbox,
        control=SandboxControl(sandbox.url),
        warmup=20,
    )
    print(
        f"{tool}: {result.calls} calls, {result.calls_per_s:.0f}/s, p50 {result.p50_ms:.0f} ms, "
        f"p95 {result.p95_ms:.0f} ms, {result.errors} errors, "
        f"server CPU {result.server_cpu_ms_per_call:.2f} ms/call, {result.upstream_per_call:.2f} upstream "
        f"requests/call, cores busy {', '.join(f'{k} {v:.2f}' for k, v in result.cores_busy.items())}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("tool", choices=sorted(WORKLOADS))
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=0, help="sandbox latency per upstream request")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--uvloop", action="store_true", help="run the server on uvloop")
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        logdir = Path(tmp)
        sandbox = start_sandbox(logdir)
        try:
            SandboxControl(sandbox.url).configure(latency_ms=args.latency_ms, rate_limits=False)
            cli = [sys.executable, "-m", "bench.uvloop_launcher"] if args.uvloop else None
            server = start_server("jira", sandbox.url, logdir, cli=cli, env=unthrottled_env("jira"))
            try:
                raw_path = args.raw or logdir / "stacks.txt"
                spy = None
                if py_spy:
                    spy = subprocess.Popen(
                        [
                            py_spy,
                            "record",
                            "--pid",
                            str(server.popen.pid),
                            "--rate",
                            "250",
                            "--gil",
                            "--format",
                            "raw",
                            "--output",
                            str(raw_path),
                            "--nonblocking",
                            "--duration",
                            str(int(args.seconds) + 2),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                    )
                user0, sys0 = server.cpu_times()
                anyio.run(drive, server, sandbox, args.tool, args.seconds, args.concurrency)
                user1, sys1 = server.cpu_times()
                print(f"server CPU: user {user1 - user0:.2f} s, system {sys1 - sys0:.2f} s")
                if spy is not None:
                    _, err = spy.communicate(timeout=60)
                    if not raw_path.exists():
                        print(f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}", file=sys.stderr)
                        return 1
                    print("\nBy layer:")
                    for name, share in layers(raw_path.read_text()):
                        print(f"  {share:6.1%}  {name}")
                    total, inclusive, own = summarize(raw_path.read_text(), args.top)
                    print(f"\n{total} samples (250/s, GIL holder only). Inclusive (on the stack):")
                    for name, n in inclusive:
                        print(f"  {n / total:6.1%}  {name}")
                    print("\nSelf (top of the stack):")
                    for name, n in own:
                        print(f"  {n / total:6.1%}  {name}")
                else:
                    print("py-spy not found: CPU per call only", file=sys.stderr)
            finally:
                server.stop()
        finally:
            sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
