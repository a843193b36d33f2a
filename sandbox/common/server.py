"""Run an ASGI app under uvicorn on 127.0.0.1 in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import uvicorn


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_in_thread(app, *, port: int | None = None, startup_timeout: float = 10.0) -> tuple[str, Callable[[], None]]:
    """Start ``app`` on a free port; return ``(base_url, stop)`` once the server accepts connections."""
    port = port or _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=2,
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("sandbox server failed to start")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError("sandbox server did not start in time")
        time.sleep(0.005)  # polling for readiness, not synchronising on a guess
    # Poll until a TCP connection succeeds.
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError("sandbox server did not answer") from None
            time.sleep(0.005)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop
