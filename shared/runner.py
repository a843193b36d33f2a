"""Run one or several ASGI apps under uvicorn in one event loop, with graceful shutdown.

On SIGTERM or Ctrl-C: every app's readiness fails first (so a load balancer stops sending),
then after `drain_seconds` the listeners close and uvicorn lets in-flight calls finish before
the process exits.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from dataclasses import dataclass

import anyio
import uvicorn

log = logging.getLogger(__name__)


@dataclass
class Served:
    app: object
    host: str
    port: int
    readiness: object | None = None


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # signals are handled once for all servers, below
        yield


async def serve_all(served: list[Served], *, drain_seconds: float = 0.0, graceful_timeout: float = 30.0) -> None:
    servers = [
        _Server(
            uvicorn.Config(
                s.app,
                host=s.host,
                port=s.port,
                log_config=None,
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=graceful_timeout,
            )
        )
        for s in served
    ]

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

    async with anyio.create_task_group() as group:
        group.start_soon(stop_on_signal, group.cancel_scope)
        async with anyio.create_task_group() as serving:
            for server in servers:
                serving.start_soon(server.serve)
        group.cancel_scope.cancel()
