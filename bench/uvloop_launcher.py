"""`python -m bench.uvloop_launcher serve jira …`: the `connectors` CLI with its event loop on uvloop.

`shared.cli` starts the servers with `anyio.run(...)` and anyio's default asyncio loop, so uvicorn's own
`loop="auto"` (which picks uvloop) never applies; httptools is picked up without help. This launcher passes
`backend_options={"use_uvloop": True}` to that one `anyio.run` call, to measure what the switch would gain
before the CLI makes it.
"""

from __future__ import annotations

import sys
from typing import Any

import anyio

_run = anyio.run


def _run_on_uvloop(func: Any, *args: Any, backend: str = "asyncio", backend_options: Any = None) -> Any:
    options = {"use_uvloop": True, **(backend_options or {})}
    return _run(func, *args, backend=backend, backend_options=options)


if __name__ == "__main__":
    anyio.run = _run_on_uvloop  # type: ignore[assignment]
    from shared.cli import main

    sys.exit(main(sys.argv[1:]))
