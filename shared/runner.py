"""Run one or several ASGI apps under uvicorn in one event loop, with graceful shutdown.

On SIGTERM or Ctrl-C: every app's readiness fails first (so a load balancer stops sending),
then after `drain_seconds` the listeners close and uvicorn lets in-flight calls finish before
the process exits.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.abc
import uvicorn

log = logging.getLogger(__name__)


@dataclass
class Served:
    app: Any
    host: str
    port: int
    readiness: Any = None  # shared.server.Readiness: flipped to draining on shutdown
    tls: tuple[str, str] | None = None  # (certfile, keyfile): served over HTTPS
    option: str = "--port"  # the command-line option that changes this port, for the "port in use" message
    # Seconds the server waits for open connections at shutdown (None: serve_all's). A sandbox's is short: an idle
    # pooled TLS connection from a client in the same process would otherwise hold Ctrl-C up for the SSL timeout.
    graceful_timeout: int | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


class PortInUse(Exception):
    def __init__(self, served: Served):
        super().__init__(
            f"Port {served.port} on {served.host} is already in use (another demo or server?). "
            f"Stop what listens there, or choose another port with {served.option}."
        )


def check_ports(served: list[Served]) -> None:
    """Fail before starting anything when a port is taken: one line naming it and the option to change it."""
    for s in served:
        family = socket.AF_INET6 if ":" in s.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((s.host, s.port))
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    raise PortInUse(s) from None
                raise


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # signals are handled once for all servers, below
        yield


def _config(s: Served, graceful_timeout: int) -> uvicorn.Config:
    return uvicorn.Config(
        s.app,
        host=s.host,
        port=s.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(s.graceful_timeout if s.graceful_timeout is not None else graceful_timeout),
        ssl_certfile=s.tls[0] if s.tls else None,
        ssl_keyfile=s.tls[1] if s.tls else None,
    )


async def serve_all(
    served: list[Served],
    *,
    drain_seconds: float = 0.0,
    graceful_timeout: int = 30,
    on_ready: Callable[[], object] | None = None,
) -> None:
    """Serve every app until a signal; `on_ready` runs once all of them accept connections."""
    check_ports(served)
    servers = [_Server(_config(s, graceful_timeout)) for s in served]

    async def stop_on_signal(scope: anyio.CancelScope) -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                log.info("received %s: draining", signal.Signals(signum).name)
                for s in served:
                    if s.readiness is not None:
                        s.readiness.draining = True
                await anyio.sleep(drain_seconds)  # let readiness probes notice before closing
                for server in servers:
                    server.should_exit = True
                break

    async def announce(serving: anyio.abc.TaskGroup) -> None:
        while not all(server.started for server in servers):  # polling the servers' own flags
            if any(server.should_exit for server in servers):
                return
            await anyio.sleep(0.02)
        if on_ready is not None:
            result = on_ready()
            if hasattr(result, "__await__"):
                await result

    async with anyio.create_task_group() as group:
        group.start_soon(stop_on_signal, group.cancel_scope)
        async with anyio.create_task_group() as serving:
            for server in servers:
                serving.start_soon(server.serve)
            serving.start_soon(announce, serving)
        group.cancel_scope.cancel()
