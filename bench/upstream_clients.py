"""CPU per upstream request of HTTP client choices, against the sandbox: what moving off requests would save.

    python -m bench.upstream_clients          # about a minute; first run builds .bench/clients-venv

Our Jira and Confluence clients send each upstream request through atlassian-python-api and requests on an
anyio worker thread (`shared.http.in_worker`). This measures the client process's CPU time per
`GET /rest/api/3/issue/{key}?fields=*all&expand=names` (a ~10 KB JSON body, parsed) for that path and for
async clients on the event loop, at 1 and 32 requests in flight, keys cycled over the seed. The clients run
in their own virtual environment (`.bench/clients-venv`, aiohttp is no project dependency), the sandbox in
ours, latency 0 and rate limits off.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from sandbox.common.control import SandboxControl

from .procs import REPO
from .servers import EMAIL, TOKEN, start_sandbox

VENV = REPO / ".bench" / "clients-venv"
PACKAGES = ["aiohttp", "httpx", "requests", "anyio"]

# Runs inside VENV: prints one line per client and concurrency.
PROBE = """
import asyncio, sys, time
import aiohttp, anyio, anyio.to_thread, httpx, requests

URL, USER, SECRET, N = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
KEYS = [f"{p}-{n}" for p, c in (("SHOP", 140), ("OPS", 90), ("MOB", 90)) for n in range(1, c + 1)]
PARAMS = {"fields": "*all", "expand": "names"}


def path(i):
    return f"{URL}/rest/api/3/issue/{KEYS[i % len(KEYS)]}"


async def timed(name, conc, one):
    for i in range(20):
        await one(i)
    gate = asyncio.Semaphore(conc)

    async def gated(i):
        async with gate:
            await one(i)

    started = time.process_time()
    await asyncio.gather(*(gated(i) for i in range(N)))
    print(f"{name}|{conc}|{(time.process_time() - started) / N * 1000:.3f}", flush=True)


async def main():
    workers = anyio.CapacityLimiter(64)
    session = requests.Session()
    session.auth = (USER, SECRET)
    for conc in (1, 32):
        await timed("requests on anyio worker threads (as shared.http.in_worker)", conc,
                    lambda i: anyio.to_thread.run_sync(lambda: session.get(path(i), params=PARAMS).json(),
                                                       limiter=workers))
        async with aiohttp.ClientSession(auth=aiohttp.BasicAuth(USER, SECRET)) as aio:
            async def aio_one(i):
                async with aio.get(path(i), params=PARAMS) as response:
                    return await response.json()
            await timed("aiohttp on the event loop", conc, aio_one)
        async with httpx.AsyncClient(auth=(USER, SECRET)) as hx:
            async def hx_one(i):
                return (await hx.get(path(i), params=PARAMS)).json()
            await timed("httpx.AsyncClient on the event loop", conc, hx_one)


asyncio.run(main())
"""


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if python.exists():
        probe = subprocess.run([python, "-c", "import aiohttp, httpx, requests, anyio"], capture_output=True)
        if probe.returncode == 0:
            return python
    print(f"creating {VENV.relative_to(REPO)} with {', '.join(PACKAGES)} …", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True, timeout=300)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES], check=True, timeout=900
    )
    return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.upstream_clients", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--requests", type=int, default=800, help="timed requests per client and concurrency")
    args = parser.parse_args(argv)
    python = ensure_venv()
    with tempfile.TemporaryDirectory(prefix="bench-clients-") as tmp:
        sandbox = start_sandbox(Path(tmp))
        try:
            SandboxControl(sandbox.url).configure(latency_ms=0, rate_limits=False)
            cmd = [str(python), "-c", PROBE, sandbox.url, EMAIL, TOKEN, str(args.requests)]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        finally:
            sandbox.stop()
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    print("| Client | in flight | client CPU ms per request |\n|---|---|---|")
    for line in done.stdout.splitlines():
        name, conc, ms = line.split("|")
        print(f"| {name} | {conc} | {ms} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
