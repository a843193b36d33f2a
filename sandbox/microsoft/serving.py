"""Serve the emulator over HTTPS on loopback in a background thread (tests, demos): msal only speaks https."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from .tls import TLSFiles


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_tls(app: Any, tls: TLSFiles, *, port: int | None = None, timeout: float = 15.0) -> Iterator[str]:
    """Yield ``https://127.0.0.1:<port>`` once the server is up; clients must trust ``tls.ca``."""
    port = port or _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="off",
        access_log=False,
        ssl_certfile=str(tls.cert),
        ssl_keyfile=str(tls.key),
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"microsoft-sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:  # poll the server's own readiness flag, bounded
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the Microsoft sandbox did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
