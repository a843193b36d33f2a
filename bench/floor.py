"""The floor on this machine: server CPU per call of a bare `mcp` server with one trivial tool.

    python -m bench.floor            # three stacks, c=1 and c=32, about a minute

The server (`python -m bench.floor serve --port P --loop asyncio|uvloop --http h11|httptools`) is an `MCPServer`
with one tool that returns its argument, served the way our connectors are (Streamable HTTP, stateless, JSON
responses) under uvicorn. The driver is the same as for every benchmark row (`bench.load.run_load`, the SDK
`Client`), so the difference between this floor and a connector's CPU per call is the connector's own work.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import anyio

from shared.testing import free_port

from .load import Call, LoadResult, run_load
from .procs import Proc, start_process

STACKS = [("asyncio", "h11"), ("asyncio", "httptools"), ("uvloop", "httptools")]


def serve(port: int, loop: str, http: str) -> None:
    import uvicorn
    from mcp.server import MCPServer

    server = MCPServer("floor")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text."""
        return text

    app = server.streamable_http_app(stateless_http=True, json_response=True)
    uvicorn.run(app, host="127.0.0.1", port=port, loop=loop, http=http, log_level="warning", access_log=False)  # type: ignore[arg-type]


def start_floor(logdir: Path, loop: str, http: str) -> Proc:
    port = free_port()
    cmd = [sys.executable, "-m", "bench.floor", "serve", "--port", str(port), "--loop", loop, "--http", http]
    return start_process(
        f"floor-{loop}-{http}", cmd, {"PATH": "/usr/bin:/bin"}, f"http://127.0.0.1:{port}", "/mcp", logdir, 30
    )


async def measure(server: Proc, concurrency: int, calls: int) -> LoadResult:
    return await run_load(
        f"{server.url}/mcp",
        lambda i: Call("echo", {"text": f"call {i}"}),
        concurrency=concurrency,
        max_calls=calls,
        duration=30,
        server=server,
        warmup=20,
    )


def measure_floor(logdir: Path, calls: int = 400, concurrency: int = 32) -> dict[str, dict[int, LoadResult]]:
    """{"uvloop + httptools": {1: result, 32: result}, …} for each stack in STACKS."""
    out: dict[str, dict[int, LoadResult]] = {}
    for loop, http in STACKS:
        server = start_floor(logdir, loop, http)
        try:
            out[f"{loop} + {http}"] = {c: anyio.run(measure, server, c, calls) for c in (1, concurrency)}
        finally:
            server.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("serve")
    run.add_argument("--port", type=int, required=True)
    run.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    run.add_argument("--http", choices=["h11", "httptools"], default="h11")
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.port, args.loop, args.http)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        results = measure_floor(Path(tmp), args.calls)
    for stack, by_c in results.items():
        for c, r in by_c.items():
            print(
                f"{stack:<22} c={c:<3} {r.calls} calls {r.calls_per_s:7.1f}/s p50 {r.p50_ms:6.1f} ms "
                f"server CPU {r.server_cpu_ms_per_call:.2f} ms/call"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
