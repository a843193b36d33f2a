"""Worker processes for conversions, owned by this package (not anyio.to_process).

anyio's worker re-runs the server's `__main__` file on start, which breaks when the server was started as
`python -m shared.cli` (relative imports). These workers only import `shared.content.worker`.

One pool per event loop. A worker returns to the pool after a clean answer; on a timeout, a cancellation or any
error it is killed, so a runaway parse really stops. Idle workers end when the server does (their stdin closes).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import subprocess
import sys
import weakref
from collections import deque
from dataclasses import dataclass

import anyio
from anyio.abc import Process
from anyio.lowlevel import RunVar
from anyio.streams.buffered import BufferedByteReceiveStream

from .model import Converted, Limits, Source
from .registry import Converter

HEADER = struct.Struct(">Q")  # length of the pickle that follows, both ways


class WorkerFailed(Exception):
    """The worker died or answered nonsense."""


@dataclass
class _Worker:
    process: Process
    answers: BufferedByteReceiveStream
    reused: bool = False


class _Pool:
    def __init__(self) -> None:
        self.idle: deque[_Worker] = deque()
        self.pids: set[int] = set()
        weakref.finalize(self, _kill_all, self.pids)  # the loop is gone: so are its workers

    async def take(self, *, fresh: bool = False) -> _Worker:
        while self.idle and not fresh:
            worker = self.idle.pop()
            if worker.process.returncode is None:
                worker.reused = True
                return worker
            self.pids.discard(worker.process.pid)
        # Starting is quick; the new worker's imports (~0.3 s) count in the first conversion's time limit.
        process = await anyio.open_process(
            [sys.executable, "-u", "-m", "shared.content.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)},
        )
        self.pids.add(process.pid)
        assert process.stdout is not None
        return _Worker(process, BufferedByteReceiveStream(process.stdout))

    def give_back(self, worker: _Worker) -> None:
        self.idle.append(worker)

    async def discard(self, worker: _Worker) -> None:
        self.pids.discard(worker.process.pid)
        with anyio.CancelScope(shield=True):
            try:
                worker.process.kill()
            except ProcessLookupError:
                pass
            await worker.process.aclose()


_pools: RunVar[_Pool] = RunVar("content_worker_pool")


async def close_workers() -> None:
    """End this event loop's idle workers now (a server's shutdown, a test's teardown); new ones start on demand."""
    try:
        pool = _pools.get()
    except LookupError:
        return
    while pool.idle:
        await pool.discard(pool.idle.pop())


async def run_in_worker(
    target: str | Converter, data: bytes, source: Source, limits: Limits, timeout: float
) -> Converted | tuple[str, str]:
    """Run one conversion in a worker; raises TimeoutError past `timeout` (the worker is killed) or WorkerFailed."""
    pool = _pool()
    request = pickle.dumps((target, data, source, limits), protocol=pickle.HIGHEST_PROTOCOL)
    with anyio.fail_after(timeout):
        worker = await pool.take()
        try:
            outcome = await _exchange(worker, request)
        except WorkerFailed:
            await pool.discard(worker)
            if not worker.reused:
                raise
            worker = await pool.take(fresh=True)  # an idle worker may have died meanwhile: one more go, new process
            try:
                outcome = await _exchange(worker, request)
            except BaseException:
                await pool.discard(worker)
                raise
        except BaseException:
            await pool.discard(worker)
            raise
    pool.give_back(worker)
    return outcome


async def _exchange(worker: _Worker, request: bytes) -> Converted | tuple[str, str]:
    assert worker.process.stdin is not None
    try:
        await worker.process.stdin.send(HEADER.pack(len(request)) + request)
        (size,) = HEADER.unpack(await worker.answers.receive_exactly(HEADER.size))
        answer = pickle.loads(await worker.answers.receive_exactly(size))
    except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.IncompleteRead, pickle.UnpicklingError) as error:
        raise WorkerFailed(type(error).__name__) from None
    if not isinstance(answer, (Converted, tuple)):
        raise WorkerFailed("unexpected answer")
    return answer


def _pool() -> _Pool:
    try:
        return _pools.get()
    except LookupError:
        pool = _Pool()
        _pools.set(pool)
        return pool


def _kill_all(pids: set[int]) -> None:
    for pid in list(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
