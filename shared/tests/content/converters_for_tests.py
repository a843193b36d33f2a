"""Test-only converters, registered for fake MIME types. Module-level so the worker process can import them."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from shared.content import Converted, Limits, Source

FOREVER_MIME = "application/x-test-forever"
HANDSHAKE_MIME = "application/x-test-handshake"
GREEDY_MIME = "application/x-test-greedy"
CRASH_MIME = "application/x-test-crash"
COUNTING_MIME = "application/x-test-counting"


def run_forever(data: bytes, source: Source, limits: Limits) -> Converted:
    """Writes its process id to the path it is given, then never returns (a parser stuck in a loop)."""
    Path(data.decode()).write_text(str(os.getpid()))
    while True:
        pass


def wait_for_go(data: bytes, source: Source, limits: Limits) -> Converted:
    """Says it started, then waits until the test (on the event loop) says go: proves the loop ran meanwhile."""
    folder = Path(json.loads(data)["folder"])
    (folder / "started").write_text(str(os.getpid()))
    deadline = time.monotonic() + 30
    while not (folder / "go").exists():
        if time.monotonic() > deadline:
            return Converted("nobody said go")
        time.sleep(0.005)
    return Converted("released")


def allocate_3_gib(data: bytes, source: Source, limits: Limits) -> Converted:
    """Asks for more memory than a worker may have (a decompression bomb, in effect)."""
    block = bytearray(3 * 1024 * 1024 * 1024)
    return Converted(str(len(block)))


def crash(data: bytes, source: Source, limits: Limits) -> Converted:
    """Dies the way a parser's native code can: the process is gone, with no answer."""
    os._exit(3)


def count_calls(data: bytes, source: Source, limits: Limits) -> Converted:
    """Adds a line to the file it is given each time it runs."""
    with Path(data.decode()).open("a") as log:
        log.write("converted\n")
    return Converted("counted\n" * 600)
